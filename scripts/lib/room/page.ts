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
<p id="views">No system view runs on this machine: start a step (npm run step N -- --start) to project one.</p>
<table><thead><tr id="head"><th>attendee</th></tr></thead><tbody id="rows"></tbody></table>
<script src="/socket.io/socket.io.js"></script>
<script>
const steps = ${steps};
const NO_VIEW = document.getElementById('views').textContent;
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
for (const s of steps) document.getElementById('head').append(el('th', s.number + '. ' + s.title));
function render(room) {
  // The system views of the steps this machine runs (links to localhost: for the instructor's screen).
  document.getElementById('views').replaceChildren(...(!room.views.length ? [NO_VIEW] : ['System view on this machine: ', ...room.views.map((v) => {
      const a = el('a', 'step ' + v.step + ' (' + v.target + ')');
      a.href = v.url;
      a.target = '_blank';
      return a;
    })]));
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
// A step started after the last report: its view shows up within seconds all the same.
setInterval(() => fetch('/api/room').then((r) => r.json()).then(render, () => {}), 5000);
</script>
</body></html>
`;
}
