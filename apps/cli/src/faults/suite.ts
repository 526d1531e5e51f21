import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { KafkaAdmin } from '@plaza/kafka';
import { PlazaApi } from '../import/plaza-api';
import { CachedTokens, LocalSigner, type TokenSource } from '../import/tokens';
import { bundleVerifies, Election, newCastLog, Stores, type CastLog } from './election';
import { KafkaCluster, Postgres, ServiceProcess, sleep, StallProxy } from './lab';
import { portOpen } from './ports';

export type ServiceKind = 'proposals' | 'voting' | 'audit';

export interface LabOptions {
  readonly root: string;
  /** Folder for the suite's data and logs (cluster, PostgreSQL, service logs). */
  readonly workDir: string;
  /** First broker port of the suite's own cluster (three brokers: this and the next five ports). */
  readonly kafkaPort: number;
  readonly pgPort: number;
  /** First service port; the instances of proposals, voting, audit follow, then the web origin (with several). */
  readonly servicePort: number;
  /**
   * Instances per service (`voting-1`, `voting-2`…). With more than one of any, the services are reached through
   * the web origin (apps/web), which sends each request to the next instance (round robin) and answers 502 for
   * one that is down — which the client retries, reaching another instance. Audit instances share one ledger
   * lease: one appends and signs, the others serve reads and take over.
   */
  readonly instances?: Partial<Record<ServiceKind, number>>;
  readonly log: (line: string) => void;
}

const TOPIC_PREFIX = 'faults';

/**
 * Everything the fault suite runs on, all of its own: a three-broker Kafka cluster, a PostgreSQL server, a
 * stalling proxy between the voting service and PostgreSQL, and the services as separate processes.
 */
export class Lab {
  readonly cluster: KafkaCluster;
  readonly postgres: Postgres;
  readonly pgProxy: StallProxy;
  readonly services: ServiceProcess[] = [];
  /** The round-robin origin in front of the instances, when there are several. */
  web: ServiceProcess | undefined;
  readonly tokens: TokenSource;
  private readonly signingKeyFile: string;
  private readonly publicKeyPem: string;
  private readonly privateKeyPem: string;
  private readonly votingCodeKeyPem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  constructor(readonly options: LabOptions) {
    mkdirSync(options.workDir, { recursive: true });
    this.cluster = new KafkaCluster(options.root, 3, options.kafkaPort, join(options.workDir, 'kafka'), (l) => options.log(l));
    this.postgres = new Postgres(join(options.workDir, 'postgres'), options.pgPort, join(options.workDir, 'postgres.log'));
    this.pgProxy = new StallProxy(options.pgPort);
    const pair = generateKeyPairSync('ed25519');
    this.privateKeyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    this.publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.signingKeyFile = join(options.workDir, 'dev-signing-key.pem');
    writeFileSync(this.signingKeyFile, this.privateKeyPem, { mode: 0o600 });
    this.tokens = new CachedTokens(new LocalSigner(this.privateKeyPem));
  }

  get databaseUrl(): string {
    return this.postgres.url('plaza');
  }

  instances(kind: ServiceKind): ServiceProcess[] {
    return this.services.filter((s) => s.service === kind);
  }

  service(name: string): ServiceProcess {
    const s = this.services.find((x) => x.name === name);
    if (!s) throw new Error(`no service ${name}`);
    return s;
  }

  async start(): Promise<void> {
    const { log } = this.options;
    for (const address of this.cluster.brokers) {
      const [host, port] = address.split(':');
      if (await portOpen(host!, Number(port))) throw new Error(`${address} is in use: the fault suite runs its own cluster there (choose other ports with --kafka-port)`);
    }
    log(`starting PostgreSQL on 127.0.0.1:${this.options.pgPort} and a three-broker Kafka cluster on ${this.cluster.brokers.join(',')}`);
    await Promise.all([this.postgres.start(), this.cluster.start()]);
    const admin = new Client({ connectionString: this.postgres.url('postgres') });
    await admin.connect();
    const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'plaza'`);
    if (exists.rowCount === 0) await admin.query('CREATE DATABASE plaza');
    await admin.end();
    const proxyPort = await this.pgProxy.listen();
    let port = this.options.servicePort;
    for (const kind of ['proposals', 'voting', 'audit'] as const) {
      const count = this.options.instances?.[kind] ?? 1;
      for (let i = 1; i <= count; i++) {
        const name = `${kind}-${i}`;
        // The voting service reaches PostgreSQL through the stalling proxy (the slow-network scenario).
        const db = kind === 'voting' ? `postgres://postgres:plaza-faults@127.0.0.1:${proxyPort}/plaza` : this.databaseUrl;
        const env: Record<string, string> = {
          DATABASE_URL: db,
          KAFKA_BROKERS: this.cluster.brokers.join(','),
          KAFKA_TOPIC_PREFIX: TOPIC_PREFIX,
          DB_SCHEMA: `faults_${kind}`,
          LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn',
          AUTH_SIGNING_KEY: '',
          AUTH_PUBLIC_KEY_FILE: '',
          ...(kind === 'audit'
            ? { AUTH_PUBLIC_KEY: this.publicKeyPem, AUTH_SIGNING_KEY_FILE: '', CHECKPOINT_INTERVAL_MS: '250' }
            : kind === 'voting'
              ? // Verifies residents' tokens; signs voting-code tokens with a key of its own (shared by its instances).
                { AUTH_PUBLIC_KEY: this.publicKeyPem, AUTH_SIGNING_KEY_FILE: '', AUTH_VOTING_CODE_KEY: this.votingCodeKeyPem }
              : { AUTH_PUBLIC_KEY: '', AUTH_SIGNING_KEY_FILE: this.signingKeyFile }),
          ...(kind === 'proposals' ? { AUTH_DEV_IDP: 'true' } : {}),
        };
        this.services.push(new ServiceProcess(name, kind, this.options.root, port++, env, join(this.options.workDir, 'logs', `${name}.log`)));
      }
    }
    if (this.services.length > 3) {
      const urls = (kind: ServiceKind) => this.instances(kind).map((s) => s.url).join(',');
      const env = { HOST: '127.0.0.1', PROPOSALS_URL: urls('proposals'), VOTING_URL: urls('voting'), AUDIT_URL: urls('audit'), LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn' };
      this.web = new ServiceProcess('web', 'web', this.options.root, port, env, join(this.options.workDir, 'logs', 'web.log'));
    }
    // In order: each service migrates its own schema and creates its topics.
    for (const s of this.services) await s.start();
    if (this.web) {
      await this.web.start();
      this.services.push(this.web);
    }
    log(`services ready: ${this.services.map((s) => `${s.name} :${s.port}`).join(', ')}`);
  }

  async allReady(): Promise<boolean> {
    return (await Promise.all(this.services.map((s) => s.ready()))).every(Boolean);
  }

  api(castLog?: CastLog): PlazaApi {
    const web = this.web;
    const url = (kind: ServiceKind) => (web ? `${web.url}/api/${kind}` : this.instances(kind)[0]!.url);
    return new PlazaApi({ proposals: url('proposals'), voting: url('voting'), audit: url('audit') }, this.tokens, undefined, () => {
      if (castLog) castLog.retries++;
    });
  }

  stores(): Stores {
    return new Stores(this.databaseUrl, 'faults_voting', 'faults_audit');
  }

  /** The broker (node id) leading the voting topic's partition that carries `roundId`'s events. */
  async votingLeader(roundId: string): Promise<number> {
    const stores = this.stores();
    let partition: number | undefined;
    for (let i = 0; i < 600 && partition === undefined; i++) {
      partition = await stores.votingPartition(roundId);
      if (partition === undefined) await sleep(100);
    }
    if (partition === undefined) throw new Error(`no ledger entry of round ${roundId} yet`);
    const admin = new KafkaAdmin({ brokers: this.cluster.brokers, clientId: 'plaza-faults-admin' });
    try {
      const leaders = await admin.partitionLeaders(`${TOPIC_PREFIX}.voting.events`);
      const leader = leaders.find((l) => l.partition === partition)?.leader;
      if (leader === undefined || leader < 0) throw new Error(`partition ${partition} has no leader`);
      return leader;
    } finally {
      await admin.disconnect();
    }
  }

  private stopping: Promise<void> | undefined;

  /** Stops everything the lab started; a second call (Ctrl-C during a run) waits for the first. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    for (const s of [...this.services].reverse()) await s.stop().catch(() => undefined);
    await this.pgProxy.close().catch(() => undefined);
    await this.cluster.stop().catch((e: Error) => this.options.log(e.message));
    await this.postgres.stop().catch(() => undefined);
  }
}

/** A fault: injected once the election is under way; resolves when the suite has done its part of the recovery. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Instances the scenario needs (`--instances`); without them it is skipped. */
  readonly needs?: Partial<Record<ServiceKind, number>>;
  inject(lab: Lab, election: Election): Promise<void>;
}

/** The audit instance holding the ledger lease (the one consuming into the ledger and signing); the first if none. */
async function auditLeader(lab: Lab): Promise<ServiceProcess> {
  const audits = lab.instances('audit');
  if (audits.length === 1) return audits[0]!;
  const pid = await lab.stores().leaseHolderPid();
  return audits.find((a) => a.pid === pid) ?? audits[0]!;
}

const restartAfter = async (ms: number, f: () => Promise<void>) => {
  await sleep(ms);
  await f();
};

export const SCENARIOS: Scenario[] = [
  {
    name: 'leader-broker-kill9',
    description: 'kill -9 of the broker leading the partition that carries the round; restarted 5 s later',
    async inject(lab, election) {
      const leader = await lab.votingLeader(election.roundId);
      lab.options.log(`  kill -9 broker ${leader} (leader of the round's voting partition)`);
      await lab.cluster.kill(leader);
      await restartAfter(5_000, () => lab.cluster.start(leader));
    },
  },
  {
    name: 'broker-clean-restart',
    description: "a clean stop and start of the round's partition leader (controlled shutdown)",
    async inject(lab, election) {
      const leader = await lab.votingLeader(election.roundId);
      lab.options.log(`  clean restart of broker ${leader}`);
      await lab.cluster.stop(leader);
      await lab.cluster.start(leader);
    },
  },
  {
    name: 'voting-kill9',
    description: 'kill -9 of the voting service while ballots commit; restarted at once',
    async inject(lab) {
      const voting = lab.instances('voting')[0]!;
      await voting.kill9();
      await voting.start();
    },
  },
  {
    name: 'audit-kill9',
    description: 'kill -9 of the audit service (the instance holding the ledger lease) right after it signed a checkpoint (it signs every 250 ms under load); restarted at once',
    async inject(lab) {
      const stores = lab.stores();
      const before = await stores.checkpointCount();
      const audit = await auditLeader(lab);
      for (let i = 0; i < 200 && (await stores.checkpointCount()) === before; i++) await sleep(25);
      await audit.kill9();
      await audit.start();
    },
  },
  {
    name: 'relay-kill9',
    description: "kill -9 of the voting service while its outbox relay has a backlog to publish (mid-batch); restarted at once",
    async inject(lab) {
      const stores = lab.stores();
      for (let i = 0; i < 400 && (await stores.relayBacklog()) === 0; i++) await sleep(10);
      const voting = lab.instances('voting')[0]!;
      await voting.kill9();
      await voting.start();
    },
  },
  {
    name: 'postgres-fast-restart',
    description: 'PostgreSQL fast shutdown (connections cut, open transactions rolled back) and start',
    async inject(lab) {
      await lab.postgres.fastRestart();
    },
  },
  {
    name: 'consumer-paused',
    description: 'the audit service (the instance holding the ledger lease: the ledger consumer) paused with SIGSTOP for 15 s, past its 10 s session timeout and the 5 s lease, then SIGCONT',
    async inject(lab) {
      const audit = await auditLeader(lab);
      audit.signal('SIGSTOP');
      await sleep(15_000);
      audit.signal('SIGCONT');
    },
  },
  {
    name: 'slow-network',
    description: 'the link between voting and PostgreSQL stalls for 8 s, then delays every packet by 20 ms for 10 s',
    async inject(lab) {
      lab.pgProxy.stall();
      await sleep(8_000);
      lab.pgProxy.heal();
      lab.pgProxy.slow(20);
      await sleep(10_000);
      lab.pgProxy.heal();
    },
  },
  {
    name: 'instances-kill9',
    description:
      'kill -9 of one of two voting instances while ballots commit and of the audit instance holding the ledger lease; the other instances carry on (the audit standby takes the lease); the killed two restarted once it has',
    needs: { voting: 2, audit: 2 },
    async inject(lab) {
      const stores = lab.stores();
      const audits = lab.instances('audit');
      const leaderPid = await stores.leaseHolderPid();
      const leader = audits.find((a) => a.pid === leaderPid);
      if (!leader) throw new Error(`no audit instance holds the ledger lease (holder pid ${leaderPid})`);
      const voting = lab.instances('voting').at(-1)!;
      lab.options.log(`  kill -9 ${voting.name} and ${leader.name} (the ledger lease holder)`);
      await Promise.all([voting.kill9(), leader.kill9()]);
      const survivor = audits.find((a) => a !== leader)!;
      for (let i = 0; i < 600 && (await stores.leaseHolderPid()) !== survivor.pid; i++) await sleep(100);
      if ((await stores.leaseHolderPid()) !== survivor.pid) throw new Error(`${survivor.name} did not take the ledger lease within 60 s`);
      lab.options.log(`  ${survivor.name} holds the ledger lease; restarting ${voting.name} and ${leader.name}`);
      await Promise.all([voting.start(), leader.start()]);
    },
  },
  {
    name: 'slow-postgres',
    description:
      "PostgreSQL slow to commit the voting store's writes: its event table locked against writes for 3 s out of every 3.5 s, for 15 s (each ballot's commit waits, as on a stalling disk; reads go on)",
    async inject(lab) {
      await lab.stores().holdWrites('events', 15_000, 3_000, 500);
    },
  },
];

/** All of them in one election, one after another while the ballots flow. */
export const MIXED: Scenario = {
  name: 'mixed',
  description: 'leader kill -9, voting kill -9, PostgreSQL fast restart, audit paused, slow network, audit kill -9, in one election',
  async inject(lab, election) {
    for (const name of ['leader-broker-kill9', 'voting-kill9', 'postgres-fast-restart', 'consumer-paused', 'slow-network', 'audit-kill9']) {
      lab.options.log(`  mixed: ${name}`);
      await SCENARIOS.find((s) => s.name === name)!.inject(lab, election);
      await sleep(1_000);
    }
  },
};

export interface ScenarioResult {
  readonly scenario: string;
  readonly sent: number;
  readonly accepted: number;
  readonly lost: number;
  readonly duplicated: number;
  /** Ballots whose sender gave up (after the client's retries), i.e. errors a person would have seen. */
  readonly clientErrors: number;
  /** Answers retried by the client (503 + Retry-After, cut connections) that then succeeded. */
  readonly retried: number;
  /** Seconds from the fault until a ballot sent after it was accepted and in the ledger, every service ready. */
  readonly recoverySeconds: number;
  readonly recount: string;
  readonly bundle: string;
  readonly ok: boolean;
  readonly elapsedSeconds: number;
  readonly notes: string[];
}

export interface RunOptions {
  readonly ballots: number;
  readonly units: number;
  readonly concurrency: number;
  /** Share of the ballots answered before the fault is injected. */
  readonly injectAt: number;
}

/**
 * When the platform is whole again after a fault at `since`: a ballot sent after the fault was accepted, has
 * travelled the whole path (outbox relay → Kafka → audit ledger), and every service answers ready.
 */
async function recovered(lab: Lab, stores: Stores, castLog: CastLog, since: number): Promise<number> {
  for (;;) {
    const probe = castLog.accepted.find((a) => a.sentAt >= since);
    if (probe && (await stores.inLedger(probe.eventId).catch(() => false)) && (await lab.allReady())) return Date.now();
    if (Date.now() - since > 900_000) return NaN;
    await sleep(200);
  }
}

/** One election with one scenario's fault injected, then every check. */
export async function runScenario(lab: Lab, scenario: Scenario, options: RunOptions): Promise<ScenarioResult> {
  const { log } = lab.options;
  for (const [kind, n] of Object.entries(scenario.needs ?? {})) {
    if (lab.instances(kind as ServiceKind).length < n!) throw new Error(`${scenario.name} needs ${n} ${kind} instances (--instances ${n})`);
  }
  const started = Date.now();
  const crashesBefore = lab.services.map((s) => s.crashes.length);
  const castLog = newCastLog(options.ballots);
  const api = lab.api(castLog);
  const election = new Election(api, { ballots: options.ballots, units: options.units, proposalsPerUnit: 4, concurrency: options.concurrency, name: `${scenario.name}-${Date.now().toString(36)}` });
  log(`${scenario.name}: setting up a round of ${options.units} units and ${options.ballots} voters`);
  await election.setup();
  let injectedAt = 0;
  const injectionFailures: string[] = [];
  let injection: Promise<void> | undefined;
  let recovery: Promise<number> | undefined;
  let lastLog = Date.now();
  const stores = lab.stores();
  const casting = election.cast(castLog, (answered) => {
    if (!injection && answered >= Math.floor(options.ballots * options.injectAt)) {
      injectedAt = Date.now();
      log(`${scenario.name}: injecting after ${answered} ballots — ${scenario.description}`);
      // A fault step that fails (a service that does not come back) is a finding, not the end of the run.
      injection = scenario.inject(lab, election).catch((error: Error) => {
        injectionFailures.push(error.message);
      });
      recovery = recovered(lab, stores, castLog, injectedAt);
    }
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      log(`${scenario.name}: ${answered}/${options.ballots} ballots answered (${castLog.receipts.size} accepted, ${castLog.errors.length} errors, ${castLog.retries} retried)`);
    }
  });
  await casting;
  if (!injection || !recovery) throw new Error('the fault was never injected');
  await injection;
  const recoveredAt = await recovery;
  const recoverySeconds = (recoveredAt - injectedAt) / 1000;
  log(`${scenario.name}: ballots done (${castLog.receipts.size} accepted, ${castLog.errors.length} client-visible errors); closing the round`);
  const notes: string[] = injectionFailures.map((m) => `fault step failed: ${m}`);
  await stores.waitForLedger(election.roundId, 300_000).catch((e: Error) => notes.push(e.message));
  const closed = await election.close();
  await stores.waitForLedger(election.roundId, 300_000).catch((e: Error) => notes.push(e.message));
  const check = await stores.check(election.roundId, castLog);
  const bundle = await bundleVerifies(lab.instances('audit')[0]!.url, election.roundId);
  if (!bundle.ok) notes.push(`bundle: ${bundle.failure}`);
  if (closed.differences.length) notes.push(`recount differences: ${closed.differences.join('; ')}`);
  if (check.acceptedUnseen) notes.push(`${check.acceptedUnseen} BallotCast events in the store whose receipt no sender holds (a cast committed whose answer was lost)`);
  for (const e of castLog.errors.slice(0, 3)) notes.push(`voter ${e.voter}: ${e.message}`);
  const crashes = lab.services.flatMap((s, i) => s.crashes.slice(crashesBefore[i]).map((c) => `${s.name} crashed (exit ${c.code ?? c.signal}) ${((c.at - injectedAt) / 1000).toFixed(1)} s after the fault; restarted as a supervisor would (its log says why)`));
  notes.push(...crashes);
  const lost = Math.max(check.lostInStore, check.lostInLedger);
  const result: ScenarioResult = {
    scenario: scenario.name,
    sent: options.ballots,
    accepted: castLog.receipts.size,
    lost,
    duplicated: check.duplicated,
    clientErrors: castLog.errors.length,
    retried: castLog.retries,
    recoverySeconds: Math.round(recoverySeconds * 10) / 10,
    recount: closed.recount,
    bundle: bundle.ok ? 'verified' : 'FAILED',
    ok: crashes.length === 0 && lost === 0 && check.duplicated === 0 && castLog.errors.length === 0 && closed.recount === 'verified' && bundle.ok && check.storeBallots === castLog.receipts.size,
    elapsedSeconds: Math.round((Date.now() - started) / 1000),
    notes,
  };
  log(`${scenario.name}: ${result.ok ? 'OK' : 'FAILED'} — ${JSON.stringify({ ...result, notes: undefined })}`);
  return result;
}

export function formatTable(results: readonly ScenarioResult[]): string {
  const head = ['scenario', 'ballots sent', 'accepted', 'lost', 'duplicated', 'client-visible errors', 'retried (then accepted)', 'recovery time', 'recount', 'bundle'];
  const rows = results.map((r) => [
    r.scenario,
    r.sent.toLocaleString('en-US'),
    r.accepted.toLocaleString('en-US'),
    String(r.lost),
    String(r.duplicated),
    String(r.clientErrors),
    String(r.retried),
    Number.isFinite(r.recoverySeconds) ? `${r.recoverySeconds.toFixed(1)} s` : 'not within 15 min',
    r.recount,
    r.bundle,
  ]);
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
