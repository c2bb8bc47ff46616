// npm run doctor [-- --json]: preflight for the attendee's machine. Exits 0 when local mode can run
// (steps 1–2 and the rehearsals), and lists what the Docker and kind paths still need.
import { styleText } from 'node:util';
import { parseCommandLine } from './lib/cli.ts';
import { type DoctorLine, localModeReady, runDoctor } from './lib/doctor/checks.ts';
import { main } from './lib/main.ts';

await main(async () => {
  const { values } = parseCommandLine(
    { options: { json: { type: 'boolean', default: false } } },
    {
      usage: 'npm run doctor [-- --json]',
      summary:
        'Preflight for this machine: Node, Redis, Docker, Compose, kind, kubectl, free ports, each with its fix.',
      flags: { json: 'print the lines as JSON' },
    },
  );
  const lines = await runDoctor();
  const ready = localModeReady(lines);
  if (values.json) {
    console.log(JSON.stringify({ localModeReady: ready, lines }, null, 2));
    return ready ? 0 : 1;
  }
  const os = process.platform === 'darwin' ? 'macos' : process.platform === 'win32' ? 'windows' : 'linux';
  const mark = {
    ok: styleText('green', '✔'),
    missing: styleText('red', '✖'),
    warning: styleText('yellow', '!'),
  };
  for (const l of lines) {
    console.log(`${mark[l.status]} ${l.name.padEnd(20)} ${l.detail}`);
    if (l.status !== 'ok' && l.fix) console.log(styleText('dim', `    hint (${os}): ${l.fix[os]}`));
  }
  const missing = (needed: DoctorLine['needed']) =>
    lines.filter((l) => l.needed === needed && l.status === 'missing').map((l) => l.name);
  console.log('');
  console.log(
    ready
      ? styleText('green', 'Local mode is ready: steps 1–2 and the rehearsals of steps 3–6.')
      : styleText('red', 'Local mode cannot run yet: fix the ✖ lines above.'),
  );
  const docker = missing('docker');
  const kind = [...docker, ...missing('kind')];
  console.log(
    docker.length
      ? `Steps 3+ on Docker still need: ${docker.join(', ')}.`
      : 'Steps 3+ can run on Docker Compose.',
  );
  console.log(
    kind.length
      ? `Steps 4+ on kind still need: ${[...new Set(kind)].join(', ')}.`
      : 'Steps 4+ can run on kind.',
  );
  return ready ? 0 : 1;
});
