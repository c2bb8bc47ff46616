// Runs in every test worker before the tests: an ambient REDIS_URL (a developer's own Redis) would make
// the steps use it instead of their private redis-server and skip the checks that restart it.
// The brief: "REDIS_URL, when set, replaces starting a Redis (never in tests)".
delete process.env.REDIS_URL;
