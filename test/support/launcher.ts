import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root: the launcher (infra/start.js) and the compiled CLI run from here. */
export const ROOT = resolve(__dirname, '../..');

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/**
 * A fresh folder for the launcher's state (PLAZA_STATE_DIR: logs, dev keys, the embedded database). Readable by
 * others: run as root, the embedded PostgreSQL runs as the system's postgres user and must reach its data.
 */
export function stateDir(prefix = 'plaza-launcher-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** The environment without the variables a test wants unset. */
export function envWithout(names: readonly string[], extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of names) delete env[name];
  return { ...env, ...extra };
}

/** A running `node infra/start.js`, its console collected line by line. */
export class Launcher {
  readonly child: ChildProcess;
  private out = '';
  private exited?: number | null;

  constructor(args: readonly string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [join(ROOT, 'infra', 'start.js'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.out += chunk.toString('utf8')));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.out += chunk.toString('utf8')));
    this.child.once('exit', (code) => (this.exited = code));
  }

  /** Everything the console showed so far. */
  get console(): string {
    return this.out;
  }

  get lines(): string[] {
    return this.out.split('\n').filter((line, i, all) => i < all.length - 1 || line !== '');
  }

  /** Resolves once the console shows `text`; fails (with the console) when the launcher exits first or time runs out. */
  async waitFor(text: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.out.includes(text)) {
      if (this.exited !== undefined) throw new Error(`the launcher exited (${this.exited}) before "${text}":\n${this.out}`);
      if (Date.now() > deadline) throw new Error(`no "${text}" after ${timeoutMs / 1000} s:\n${this.out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Resolves with the exit code once the launcher exits by itself. */
  exit(): Promise<number | null> {
    if (this.exited !== undefined) return Promise.resolve(this.exited);
    return new Promise((done) => this.child.once('exit', (code) => done(code)));
  }

  /** Sends `signal` (Ctrl-C is SIGINT) and resolves with the exit code. */
  stop(signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
    if (this.exited !== undefined) return Promise.resolve(this.exited);
    return new Promise((done) => {
      this.child.once('exit', (code) => done(code));
      this.child.kill(signal);
    });
  }
}

/** Every process below `pid` (children, grandchildren, …), from ps. */
export function descendants(pid: number): number[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' });
  const children = new Map<number, number[]>();
  for (const line of ps.stdout.trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      found.push(c);
      walk(c);
    }
  };
  walk(pid);
  return found;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True when nothing listens on `port` at 127.0.0.1. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => done(true)));
  });
}
