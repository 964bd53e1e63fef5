import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['libs/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites that start servers on fixed loopback ports or share Kafka topics must not overlap.
    fileParallelism: true,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
