// The system view's page: one self-contained HTML file (no framework, nothing fetched from elsewhere) that
// draws each snapshot the server streams. Sized in viewport units: readable on a projector at 1280×720 as
// on a laptop. Every element a test reads carries a data- attribute.

export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>System view</title>
<style>
  :root { color-scheme: dark; --up: #3ddc84; --draining: #ffb74d; --down: #ef5350; --muted: #9aa4b2; }
  * { box-sizing: border-box; }
  body { margin: 0; padding: 1.6vw 2vw; font: clamp(14px, 1.35vw, 30px)/1.35 system-ui, sans-serif;
         background: #111418; color: #eef1f5; min-height: 100vh; display: flex; flex-direction: column; gap: 1.2vw; }
  header { display: flex; justify-content: space-between; align-items: baseline; }
  h1 { font-size: 1.6em; margin: 0; }
  #status { color: var(--muted); }
  #status.stale { color: var(--down); }
  main { display: grid; grid-template-columns: 1fr auto 1.5fr auto 1.6fr auto 1fr; align-items: center; gap: 1vw; flex: 1; }
  .arrow { font-size: 2.2em; color: var(--muted); }
  .box { background: #1b2028; border: 2px solid #2c3440; border-radius: 0.6em; padding: 0.8em 1em; }
  .box h2 { margin: 0 0 0.4em; font-size: 1em; text-transform: uppercase; letter-spacing: 0.08em; color: var(--muted); }
  .big { font-size: 2.6em; font-weight: 700; line-height: 1.1; }
  .small { color: var(--muted); font-size: 0.8em; overflow-wrap: anywhere; }
  #instances { display: flex; flex-direction: column; gap: 0.6em; }
  .instance { border-left: 0.45em solid var(--up); }
  .instance[data-state=draining] { border-left-color: var(--draining); }
  .instance[data-state=down] { border-left-color: var(--down); opacity: 0.6; }
  .instance .row { display: flex; justify-content: space-between; align-items: baseline; gap: 1em; }
  .state { font-weight: 700; text-transform: uppercase; font-size: 0.8em; }
  [data-state=up] > .row .state, #redis[data-state=up] #redis-state { color: var(--up); }
  [data-state=draining] > .row .state { color: var(--draining); }
  [data-state=down] > .row .state, #redis[data-state=down] #redis-state { color: var(--down); }
  .dots { display: flex; flex-wrap: wrap; gap: 0.18em; min-height: 0.6em; margin-top: 0.3em; }
  .dots i { width: 0.55em; height: 0.55em; border-radius: 50%; background: #64b5f6; display: block; }
  #redis[data-state=down] { border-color: var(--down); }
  .server { display: flex; gap: 0.5em; align-items: baseline; }
  .server b { color: var(--up); }
  .server[data-status=DOWN] b { color: var(--down); }
  ul { margin: 0; padding-left: 1.1em; }
  #events li { color: var(--muted); }
  #events li:first-child { color: #eef1f5; }
  footer { display: flex; gap: 2em; }
</style>
</head>
<body>
<header><h1 id="title">System view</h1><span id="status" data-tick="0">connecting…</span></header>
<main>
  <section class="box"><h2>Clients</h2><div class="big" id="clients">–</div><div class="small">held by the instances</div></section>
  <div class="arrow">→</div>
  <section class="box" id="traefik"><h2>Traefik</h2><div id="routing" class="small">no Traefik in front: clients reach each instance directly</div></section>
  <div class="arrow">→</div>
  <section id="instances"></section>
  <div class="arrow">↔</div>
  <section class="box" id="redis" data-state="none"><h2>Redis</h2><div class="big" id="redis-state">–</div><div class="small" id="sent"></div></section>
</main>
<footer><section><h2 class="small">What changed</h2><ul id="events"></ul></section></footer>
<script>
  const $ = (id) => document.getElementById(id);
  const el = (tag, props = {}, ...children) => {
    const e = Object.assign(document.createElement(tag), props);
    e.append(...children);
    return e;
  };
  const rate = (n) => (n === undefined ? '' : (n < 10 ? n.toFixed(1) : Math.round(n)) + ' chats/s');
  let tick = 0;
  let lastAt = 0;
  function draw(s) {
    tick++;
    lastAt = Date.now();
    $('status').dataset.tick = String(tick);
    $('status').className = '';
    $('status').textContent = 'live · ' + new Date(s.at).toLocaleTimeString();
    $('title').textContent = s.title;
    $('clients').textContent = String(s.clients);
    $('instances').replaceChildren(...s.instances.map((i) => {
      const dots = el('div', { className: 'dots' }, ...Array.from({ length: Math.min(i.clients ?? 0, 200) }, () => el('i')));
      const box = el('section', { className: 'box instance' },
        el('div', { className: 'row' }, el('strong', { textContent: i.id }), el('span', { className: 'state', textContent: i.state })),
        el('div', { className: 'row' },
          el('span', { className: 'big clients', textContent: i.clients === undefined ? '–' : String(i.clients) }),
          el('span', { className: 'small rate', textContent: rate(i.chatsPerSecond) })),
        dots);
      box.dataset.instance = i.id;
      box.dataset.state = i.state;
      box.dataset.clients = i.clients === undefined ? '' : String(i.clients);
      return box;
    }));
    if (s.traefik) {
      const t = s.traefik;
      $('traefik').dataset.state = t.up ? 'up' : 'down';
      $('routing').replaceChildren(...(!t.up ? [el('div', { textContent: 'its API does not answer' })] : [
        ...t.routers.map((r) => el('div', { textContent: 'router ' + r.name + ': ' + r.rule + (r.status === 'enabled' ? '' : ' [' + r.status + ']') })),
        ...t.services.flatMap((sv) => [
          el('div', { textContent: 'service ' + sv.name + (sv.sticky ? ' · sticky cookie ' + sv.sticky : ' · not sticky') }),
          ...sv.servers.map((x) => {
            const row = el('div', { className: 'server' }, el('b', { textContent: x.status }), el('span', { textContent: x.url + (x.instance ? ' → ' + x.instance : '') }));
            row.dataset.status = x.status;
            return row;
          }),
        ]),
      ]));
    }
    if (s.redis) {
      $('redis').dataset.state = s.redis.up ? 'up' : 'down';
      $('redis-state').textContent = s.redis.up ? 'up' : 'down';
      $('sent').textContent = s.redis.sentPerSecond === undefined ? '' : Math.round(s.redis.sentPerSecond) + ' messages/s through it';
    } else {
      $('redis-state').textContent = s.redisNote ? '?' : 'none';
      $('sent').textContent = s.redisNote ?? '';
    }
    $('events').replaceChildren(...s.events.map((e) => el('li', { textContent: new Date(e.at).toLocaleTimeString() + '  ' + e.text })));
  }
  const source = new EventSource('events');
  source.onmessage = (m) => draw(JSON.parse(m.data));
  // The workshop's command ended, or the machine is busy: say the picture is old rather than show it as live.
  setInterval(() => {
    if (lastAt && Date.now() - lastAt > 3000) {
      $('status').className = 'stale';
      $('status').textContent = 'no update for ' + Math.round((Date.now() - lastAt) / 1000) + ' s: is npm run step … --start still running?';
    }
  }, 1000);
</script>
</body>
</html>
`;
