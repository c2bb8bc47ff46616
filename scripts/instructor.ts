// npm run instructor [-- --port 4000]: the room, a live page of attendees × steps. Attendees report with
// npm run check -- --report http://YOUR-IP:4000 --name "Their Name".
import { networkInterfaces } from 'node:os';
import { parseCommandLine } from './lib/cli.ts';
import { main, UserError } from './lib/errors.ts';
import { createRoomServer } from './lib/room/server.ts';

await main(async () => {
  const { values } = parseCommandLine(
    { options: { port: { type: 'string', default: '4000' } } },
    'npm run instructor [-- --port 4000]',
  );
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UserError(`--port must be a port number, got '${values.port}'.`);
  const room = await createRoomServer({ port }).catch((err: NodeJS.ErrnoException) => {
    throw new UserError(
      `Could not listen on port ${port}: ${err.code ?? err.message}.`,
      'pick another: npm run instructor -- --port 4100',
    );
  });
  const lan = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  console.log(`The room is at ${room.url} (attendees: http://${lan ?? 'YOUR-IP'}:${room.port}).`);
  console.log(
    `Attendees run: npm run check -- --report http://${lan ?? 'YOUR-IP'}:${room.port} --name "Their Name"`,
  );
  console.log('Ctrl-C to close it.');
  const stop = () => room.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await new Promise(() => {});
});
