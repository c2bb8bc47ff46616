// The room's page: attendees × steps, updated live. Every value from attendees goes in as text
// (textContent), never as HTML.
import { STEPS } from '../steps.ts';

export function roomPage(): string {
  const steps = JSON.stringify(STEPS.map((s) => ({ number: s.number, title: s.title })));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Workshop room</title>
<style>
body { font: 16px system-ui, sans-serif; margin: 1.5rem; }
table { border-collapse: collapse; } th, td { border: 1px solid #ccd; padding: .3rem .6rem; vertical-align: top; }
td.ok { background: #d6f5d6; } td.fail { background: #f8d7d7; } td small { display: block; color: #444; max-width: 18rem; }
</style></head>
<body>
<h1>Workshop room <small id="count"></small></h1>
<table><thead><tr id="head"><th>attendee</th></tr></thead><tbody id="rows"></tbody></table>
<script src="/socket.io/socket.io.js"></script>
<script>
const steps = ${steps};
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
for (const s of steps) document.getElementById('head').append(el('th', s.number + '. ' + s.title));
function render(room) {
  document.getElementById('count').textContent = '(' + room.attendees.length + ')';
  document.getElementById('rows').replaceChildren(...room.attendees.map((a) => {
    const tr = el('tr');
    tr.append(el('td', a.name));
    for (const s of steps) {
      const status = a.steps[s.number];
      const td = el('td', status ? (status.ok ? '✔' : '✖') : '', status ? (status.ok ? 'ok' : 'fail') : '');
      if (status && status.failure) td.append(el('small', status.failure.title + ' — ' + status.failure.hint));
      tr.append(td);
    }
    return tr;
  }));
}
io().on('room', render);
</script>
</body></html>
`;
}
