// How a failure is told in the light of what the instances printed: the matching hint when the output
// is known, a hint marked generic when it is not, and no clue read where it does not belong.
import { expect, it } from 'vitest';
import { explainWithEvidence } from '../scripts/lib/checks/diagnosis.ts';

const failure = {
  message: 'Could not connect over polling to http://127.0.0.1:4000/socket.io/: xhr poll error',
  hint: 'the expectation’s hint',
};
const REDIS = 'redis://127.0.0.1:5000';

it('without output from the instances, the expectation’s own hint stands', () => {
  expect(explainWithEvidence(failure, { lines: [], crashed: false, text: '' }, REDIS)).toEqual(failure);
});

it('a refused port in a check’s own message is not blamed on the Redis clients', () => {
  const refused = { ...failure, message: 'GET / failed: connect ECONNREFUSED 127.0.0.1:4000' };
  expect(explainWithEvidence(refused, { lines: [], crashed: false, text: '' }, REDIS).hint).toBe(
    'the expectation’s hint',
  );
});

it('a crash leads the message; an unknown one gets a hint that says it is generic', () => {
  const evidence = {
    lines: ['instance-2 crashed at server.ts:40: Error: something new'],
    crashed: true,
    text: 'Error: something new\n    at server.ts:40:3',
  };
  const told = explainWithEvidence(failure, evidence, REDIS);
  expect(told.message).toBe(
    `instance-2 crashed at server.ts:40: Error: something new\nWhat the check saw then: ${failure.message}`,
  );
  expect(told.hint).toMatch(/^generic hint: the crash above is the cause/);
});

it('logged errors follow the message; a known one brings its own hint, an unknown one marks the hint generic', () => {
  const logged = (text: string) => ({ lines: [`instance-1 logged: ${text}`], crashed: false, text });
  const known = explainWithEvidence(failure, logged('redis pub: connect ECONNREFUSED 127.0.0.1:6379'), REDIS);
  expect(known.message).toBe(
    `${failure.message}\ninstance-1 logged: redis pub: connect ECONNREFUSED 127.0.0.1:6379`,
  );
  expect(known.hint).toMatch(
    /^the Redis clients dial port 6379, not the step's Redis \(REDIS_URL=redis:\/\/127\.0\.0\.1:5000\)/,
  );
  // The step's own Redis refusing (it was still starting) is no clue.
  const own = explainWithEvidence(failure, logged('redis pub: connect ECONNREFUSED 127.0.0.1:5000'), REDIS);
  expect(own.hint).toBe(
    'generic hint (the errors logged above may be the real cause): the expectation’s hint',
  );
});

it('a crash while starting, with no known clue, gets a hint marked generic; a known one its own', () => {
  const none = { lines: [], crashed: false, text: '' };
  const unknown = { message: 'The server crashed at server.ts:3: Error: boom', hint: 'run the step' };
  expect(explainWithEvidence(unknown, none, REDIS).hint).toBe(
    'generic hint: the crash above is the cause; run the step',
  );
  const known = {
    message: 'The server crashed at server.ts:3: ReferenceError: helper is not defined',
    hint: 'run the step',
  };
  expect(explainWithEvidence(known, none, REDIS).hint).toBe('helper is used but never declared or imported');
});

it('an unhandled rejection from a lost Redis connection points at the publish guard; a logged one does not', () => {
  // Node 24's own words when the adapter's unguarded publish rejects, as an instance printed them.
  const crash = [
    '[app-1] redis pub: read ECONNRESET',
    'node:internal/process/promises:394',
    '    triggerUncaughtException(err, true /* fromPromise */);',
    '    ^',
    '',
    // Written by another stream while Node printed the error: the clue must read past it.
    '[app-2] redis sub: Socket closed unexpectedly',
    'Error: read ECONNRESET',
    '    at TCP.onStreamRead (node:internal/stream_base_commons:221:20) {',
  ].join('\n');
  const lines = ['app-1 crashed: Error: read ECONNRESET'];
  expect(explainWithEvidence(failure, { lines, crashed: true, text: crash }, REDIS).hint).toMatch(
    /^a publish in flight when Redis went away rejected with nobody listening.*wrap pub\.publish/,
  );
  // The guard's own log line is what a correct server prints: no clue there.
  const guarded = { lines: [], crashed: false, text: '[app-1] redis publish: read ECONNRESET' };
  expect(explainWithEvidence(failure, guarded, REDIS).hint).not.toMatch(/wrap pub\.publish/);
});

it('a package that is not installed is named in the hint, as Node prints it (code first, then the name)', () => {
  const crash = {
    message:
      "The server crashed: Error [ERR_MODULE_NOT_FOUND]: Cannot find package '@socket.io/redis-adaptor' imported from /p/server.ts",
    hint: 'run the step',
  };
  expect(explainWithEvidence(crash, { lines: [], crashed: false, text: '' }, REDIS).hint).toMatch(
    /^an import names '@socket\.io\/redis-adaptor', which is not installed or not there/,
  );
});
