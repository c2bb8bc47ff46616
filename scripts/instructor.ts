// npm run instructor [-- --port 4000]: the room, a live page of attendees × steps. Attendees report with
// npm run check -- --report http://YOUR-IP:4000 --name "Their Name".
import { networkInterfaces } from 'node:os';
import { integerFlag, parseCommandLine } from './lib/cli.ts';
import { UserError } from './lib/errors.ts';
import { main } from './lib/main.ts';
import { createRoomServer } from './lib/room/server.ts';

await main(async () => {
  const { values } = parseCommandLine(
    { options: { port: { type: 'string', default: process.env.PORT ?? '4000' } } },
    {
      usage: 'npm run instructor [-- --port 4000]',
      summary:
        "The instructor's room: a live page of attendees × steps, fed by `npm run check -- --report URL --name NAME`.",
      flags: { port: 'where the room listens (default: $PORT, else 4000)' },
    },
  );
  const port = integerFlag('--port', values.port, 1, 65_535);
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
  // Ctrl-C: `main` exits, which closes the room's socket with the process.
  await new Promise(() => {});
});
