import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@sentinel/config';
import { createLogger, startTracing } from '@sentinel/observability';
import { APPS, startApps, type AppName } from './compose.js';
import { ensureDevKey } from './dev-key.js';
import { setProcessNice } from './priority.js';
import { demoCommand } from './commands/demo.js';
import { replayCommand } from './commands/replay.js';

const USAGE = `usage: sentinel <command> [options]

commands:
  all        run every app in one process (in-memory bus, DuckDB storage)
  ingestion | detection | storage | alerting
             run one app as a service over Kafka (transport: kafka); storage also serves the query API
  demo       send realistic LLM traffic with injected anomalies to a running Sentinel and compare
  replay     run the detection engine over recorded data (CSV or JSONL) and write scores

options for all and the apps:
  --config <file>   YAML config (default $SENTINEL_CONFIG); SENTINEL_* env vars override keys

Run 'sentinel <command> --help' for a command's options.`;

async function runApps(apps: readonly AppName[], argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig({ file: values.config });
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty });
  // Before DuckDB starts its threads, so that they inherit it (priority.ts).
  if (apps.length === 1 && apps[0] === 'storage' && config.storage.nice > 0) {
    const threads = setProcessNice(config.storage.nice);
    logger.info({ nice: config.storage.nice, threads }, 'storage runs at a lower CPU priority (storage.nice)');
  }
  let keys = config.auth.keys;
  let devKey: { key: string; created: boolean } | null = null;
  if (keys.length === 0) {
    const dev = ensureDevKey(config.auth.devKeyFile);
    keys = [dev.key];
    devKey = { key: dev.key.key, created: dev.created };
  }
  // Off by default: then nothing is registered and every span is a no-op. On: service.name is `<serviceName>-<app>`.
  const tracing = await startTracing(config.observability.tracing, { app: apps.length === APPS.length ? 'all' : apps.join('-'), environment: config.env, logger });
  const sentinel = await startApps(apps, config, logger, keys);
  const what = apps.length === APPS.length ? `one process, ${config.transport} bus` : `${apps.join(', ')} over Kafka`;
  const lines = [``, `  Sentinel is running (${what}).`, `  API:      ${sentinel.url}`];
  if (apps.includes('storage') || apps.includes('api')) lines.push(`  Console:  ${sentinel.url}/   (sign in with an API key)`);
  if (apps.includes('ingestion')) lines.push(`  Ingest:   POST ${sentinel.url}/v1/telemetry`);
  if (sentinel.otlpUrl) lines.push(`  OTLP:     ${sentinel.otlpUrl}/v1/traces (GenAI spans, protobuf or JSON)`);
  if (devKey) {
    lines.push(devKey.created ? `  Dev key:  ${devKey.key}   (new; kept in ${config.auth.devKeyFile})` : `  Dev key:  ${devKey.key}   (from ${config.auth.devKeyFile})`);
  }
  if (apps.includes('storage')) lines.push(`  Try:      curl -H "Authorization: Bearer <key>" ${sentinel.url}/v1/anomalies`);
  lines.push(``);
  process.stdout.write(`${lines.join('\n')}\n`);

  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      if (++signals > 1) process.exit(130);
      logger.info({ signal }, 'shutting down (send the signal again to exit at once)');
      const timer = setTimeout(() => {
        logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown deadline passed; exiting');
        process.exit(1);
      }, config.shutdownTimeoutMs + 2_000).unref();
      sentinel
        .stop()
        // Last: the spans of the shutdown itself are exported too.
        .then(() => tracing.shutdown().catch((e: unknown) => logger.warn({ err: e }, 'flushing traces failed')))
        .then(
          () => {
            clearTimeout(timer);
            resolve();
          },
          (e: unknown) => {
            logger.error({ err: e }, 'shutdown failed');
            process.exit(1);
          },
        );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  logger.info('stopped');
  // Everything is committed and closed by now. Exit rather than wait for the event loop to empty: a client
  // library's stray socket (kafkajs leaves one behind after a broker restart) must not keep a stopped service alive.
  logger.flush(() => process.exit(0));
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'all':
      return runApps(APPS, rest);
    case 'ingestion':
    case 'detection':
    case 'storage':
    case 'alerting':
    case 'api':
      return runApps([command], rest);
    case 'demo':
      return demoCommand(rest);
    case 'replay':
      return replayCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`sentinel: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof ConfigError) console.error(`sentinel: ${e.message}`);
    else if (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) console.error(`sentinel: ${e.message}`);
    else console.error('sentinel: fatal:', e);
    process.exitCode = e instanceof ConfigError ? 78 : 1;
  },
);
