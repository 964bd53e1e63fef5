import { defineConfig } from 'vitest/config';

/**
 * Suites that stop or restart the one local Kafka or RabbitMQ broker, or load them (the benchmark smoke run):
 * they run after the rest, one file at a time.
 */
const KAFKA_SUITES = ['libs/bus/test/kafka*.test.ts', 'libs/alerts/test/amqp*.test.ts', 'apps/sentinel/test/services/**/*.test.ts', 'bench/suite.test.ts'];
/** The web console in Debian's Chromium (playwright-core): after the rest, one file at a time. */
const BROWSER_SUITES = ['apps/console/test/**/*.test.ts'];

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['libs/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'bench/**/*.test.ts', 'deploy/test/**/*.test.ts'],
          exclude: [...KAFKA_SUITES, ...BROWSER_SUITES],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: BROWSER_SUITES,
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 2 },
        },
      },
      {
        extends: true,
        test: {
          name: 'kafka',
          include: KAFKA_SUITES,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
