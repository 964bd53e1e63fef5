import { defineConfig } from 'vitest/config';

/** Suites that stop or restart the one local Kafka or RabbitMQ broker: they run after the rest, one file at a time. */
const KAFKA_SUITES = ['libs/bus/test/kafka*.test.ts', 'libs/alerts/test/amqp*.test.ts', 'apps/sentinel/test/services/**/*.test.ts'];

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
          include: ['libs/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'bench/**/*.test.ts'],
          exclude: KAFKA_SUITES,
          sequence: { groupOrder: 0 },
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
