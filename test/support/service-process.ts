import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, ROOT } from './launcher';

/**
 * One Plaza service as its own process, from the compiled dist/ (`npm test` builds it first; a single file run
 * needs `npm run build:server`), so a test can kill it with SIGKILL or pause it with SIGSTOP like a real crash
 * or a long GC pause.
 */
export class ServiceProcess {
  readonly child: ChildProcess;
  private out = '';
  private exited: number | null | undefined;
  readonly port: number;

  private constructor(
    readonly service: 'proposals' | 'voting' | 'audit',
    env: Record<string, string>,
    port: number,
  ) {
    const main = join(ROOT, 'dist', 'apps', service, 'src', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build:server\` (npm test builds it)`);
    this.port = port;
    this.child = spawn(process.execPath, [main], { cwd: ROOT, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.out += chunk.toString('utf8')));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.out += chunk.toString('utf8')));
    this.child.once('exit', (code) => (this.exited = code));
  }

  /** Starts the service and resolves once it listens. */
  static async start(service: 'proposals' | 'voting' | 'audit', env: Record<string, string>, timeoutMs = 90_000): Promise<ServiceProcess> {
    const p = new ServiceProcess(service, env, await freePort());
    await p.waitFor('listening on', timeoutMs);
    return p;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get console(): string {
    return this.out;
  }

  async waitFor(text: string | RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const seen = () => (typeof text === 'string' ? this.out.includes(text) : text.test(this.out));
    while (!seen()) {
      if (this.exited !== undefined) throw new Error(`${this.service} exited (${this.exited}) before "${text}":\n${this.out}`);
      if (Date.now() > deadline) throw new Error(`no "${text}" from ${this.service} after ${timeoutMs / 1000} s:\n${this.out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  signal(signal: NodeJS.Signals): void {
    if (this.exited === undefined) this.child.kill(signal);
  }

  /** SIGKILL, resolved once the process is gone. */
  async kill(): Promise<void> {
    if (this.exited !== undefined) return;
    const gone = new Promise((done) => this.child.once('exit', done));
    this.child.kill('SIGCONT');
    this.child.kill('SIGKILL');
    await gone;
  }

  /** A clean stop (SIGTERM; Nest's shutdown hooks run when the service enables them, else the process just ends). */
  async stop(): Promise<void> {
    if (this.exited !== undefined) return;
    const gone = new Promise((done) => this.child.once('exit', done));
    this.child.kill('SIGCONT');
    this.child.kill('SIGTERM');
    await gone;
  }
}
