// npm run client -- --url http://localhost:3000 [--path /socket.io/] [--transport polling|websocket]
// A terminal chat client: shows which instance it is on, prints chats and heartbeats, sends each line
// you type. Handy for seeing sticky sessions (or their absence) from the outside.
import { createInterface } from 'node:readline';
import { styleText } from 'node:util';
import { io } from 'socket.io-client';
import { describeTransportError } from './lib/checks/clients.ts';
import { parseCommandLine } from './lib/cli.ts';
import { UserError } from './lib/errors.ts';
import { preflight } from './lib/load/preflight.ts';
import { main } from './lib/main.ts';
import { SOCKET_IO_PATH } from './lib/socket-path.ts';

await main(async () => {
  const { values } = parseCommandLine(
    {
      options: {
        url: { type: 'string', default: `http://localhost:${process.env.PORT ?? 3000}` },
        path: { type: 'string', default: SOCKET_IO_PATH },
        transport: { type: 'string' },
        quiet: { type: 'boolean', default: false },
      },
    },
    {
      usage: 'npm run client -- --url URL [--path /socket.io/] [--transport polling|websocket] [--quiet]',
      summary:
        'A terminal chat client: shows which instance it is on, prints chats and heartbeats, sends each line you type.',
      flags: {
        url: 'the server or router (default http://localhost:$PORT, PORT defaulting to 3000)',
        path: "socket.io's path (default /socket.io/; step 5: /wsk/socket.io/)",
        transport: 'stay on polling or websocket (default: polling, then the upgrade)',
        quiet: 'hide heartbeats',
      },
    },
  );
  if (!/^https?:\/\//.test(values.url))
    throw new UserError(`--url must be an http(s) URL, got '${values.url}'.`);
  const transports = values.transport ? [values.transport] : ['polling', 'websocket'];
  if (!transports.every((t) => t === 'polling' || t === 'websocket')) {
    throw new UserError(
      `Unknown transport '${values.transport}'.`,
      'use --transport polling or --transport websocket',
    );
  }

  // Nothing listening, or socket.io not at --path (a 404: a prefix like step 5's): one line, not a stream
  // of connect errors.
  await preflight({ urls: [new URL(values.url).origin], path: values.path, transport: transports[0] });
  const socket = io(values.url, { path: values.path, transports, withCredentials: true });
  const say = (text: string) => process.stdout.write(`${text}\n`);
  socket.on('welcome', ({ instance, id }) =>
    say(styleText('green', `connected to ${instance} as ${id} (${socket.io.engine.transport.name})`)),
  );
  socket.on('chat', ({ instance, text, from }) =>
    say(`[${instance}] ${from === socket.id ? 'you' : from}: ${text}`),
  );
  socket.on('heartbeat', ({ instance }) => values.quiet || say(styleText('dim', `♥ ${instance}`)));
  socket.on('disconnect', (reason) => say(styleText('yellow', `disconnected: ${reason}`)));
  socket.on('connect_error', (err) => say(styleText('red', `connect error: ${describeTransportError(err)}`)));
  socket.io.on('reconnect', (n) => say(styleText('green', `reconnected after ${n} attempt(s)`)));

  const lines = createInterface({ input: process.stdin });
  lines.on('line', async (text) => {
    if (!text.trim()) return;
    const answer = await socket
      .timeout(5_000)
      .emitWithAck('chat', { text })
      .catch(() => ({ ok: false, error: 'no ack within 5 s' }));
    if (!answer.ok) say(styleText('red', `rejected: ${answer.error}`));
  });
  await new Promise<void>((resolve) => {
    // Ctrl-C is main's: it exits, which closes the socket.
    lines.once('close', resolve);
  });
  socket.close();
});
