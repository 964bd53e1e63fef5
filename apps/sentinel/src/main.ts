import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@sentinel/config';
import { createLogger } from '@sentinel/observability';
import { startAll } from './compose.js';
import { ensureDevKey } from './dev-key.js';
import { demoCommand } from './commands/demo.js';
import { replayCommand } from './commands/replay.js';

const USAGE = `usage: sentinel <command> [options]

commands:
  all        run every app in one process (in-memory bus, DuckDB storage)
  demo       send realistic LLM traffic with injected anomalies to a running Sentinel and compare
  replay     run the detection engine over recorded data (CSV or JSONL) and write scores

options for all:
  --config <file>   YAML config (default $SENTINEL_CONFIG); SENTINEL_* env vars override keys

Run 'sentinel <command> --help' for a command's options.`;

async function runAll(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig({ file: values.config });
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty });
  let keys = config.auth.keys;
  let devKey: { key: string; created: boolean } | null = null;
  if (keys.length === 0) {
    const dev = ensureDevKey(config.auth.devKeyFile);
    keys = [dev.key];
    devKey = { key: dev.key.key, created: dev.created };
  }
  const sentinel = await startAll(config, logger, keys);
  const lines = [``, `  Sentinel is running (one process).`, `  API:      ${sentinel.url}`, `  Ingest:   POST ${sentinel.url}/v1/telemetry`];
  if (devKey) {
    lines.push(devKey.created ? `  Dev key:  ${devKey.key}   (new; kept in ${config.auth.devKeyFile})` : `  Dev key:  ${devKey.key}   (from ${config.auth.devKeyFile})`);
  }
  lines.push(`  Try:      curl -H "Authorization: Bearer <key>" ${sentinel.url}/v1/anomalies`, ``);
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
      sentinel.stop().then(() => {
        clearTimeout(timer);
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'all':
      return runAll(rest);
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
