import { defineConfig } from 'vitest/config';
import { GROUP, TIERS, type Tier, tierFiles } from './test/tiers.ts';

export default defineConfig({
  test: {
    // Tests start real processes (servers, redis-server); on 2 cores fewer workers keep them honest.
    maxWorkers: 2,
    projects: (Object.keys(TIERS) as Tier[]).map((tier) => ({
      extends: true,
      test: {
        name: tier,
        include: tierFiles(tier),
        sequence: { groupOrder: GROUP[tier] },
        // One file at a time where the files share the engine's ports.
        fileParallelism: GROUP[tier] === 0,
        setupFiles: ['test/helpers/setup.ts'],
        testTimeout: 30_000,
        hookTimeout: 30_000,
      },
    })),
  },
});
