import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** One `sentinel <app>` child process, as an operator would start it. */
export class SentinelProcess {
  private output = '';
  readonly exited: Promise<number | null>;

  private constructor(
    readonly app: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (this.output += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.output += s));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** `nodeFlags` go to node before the script, e.g. `--cpu-prof` (the benchmarks' profiles). */
  static async start(app: string, env: Record<string, string>, timeoutMs = 60_000, nodeFlags: readonly string[] = []): Promise<SentinelProcess & { url: string }> {
    const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', MAIN, app], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const p = new SentinelProcess(app, child);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const url = /API:\s+(http:\/\/\S+)/.exec(p.output)?.[1];
      if (url) return Object.assign(p, { url });
      const code = await Promise.race([p.exited, new Promise((r) => setTimeout(() => r('waiting'), 50))]);
      if (code !== 'waiting') throw new Error(`sentinel ${app} exited with ${String(code)} before it was up:\n${p.output}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`sentinel ${app} was not up within ${timeoutMs} ms:\n${p.output}`);
      }
    }
  }

  /** Runs a command that is expected to exit, and returns its exit code and output. */
  static async run(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const p = new SentinelProcess(args[0] ?? '', child);
    return { code: await p.exited, output: p.output };
  }

  /** The child's process id (for /proc/<pid>/status); undefined if it failed to spawn. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get log(): string {
    return this.output;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** SIGTERM, then the exit code of the graceful stop; a process that does not stop in time is killed and reported. */
  async stop(timeoutMs = 30_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const code = await Promise.race([this.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs))]);
    if (code !== 'timeout') return code;
    this.child.kill('SIGKILL');
    throw new Error(`sentinel ${this.app} did not stop within ${timeoutMs} ms of SIGTERM:\n${this.output.slice(-4000)}`);
  }
}
