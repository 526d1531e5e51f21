import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/launcher';

/**
 * The Kafka broker jars (infra/kafka/kafka.sh): pinned in pom.xml, their SHA-256 in jars.sha256, checked on every
 * fetch and start. Works in a temporary jar folder (KAFKA_JARS_DIR), never in infra/kafka/.jars; Maven reads its
 * usual local repository, and the "no network" case gets an empty one and Maven's offline mode.
 */
const SCRIPT = join(ROOT, 'infra', 'kafka', 'kafka.sh');
const sums = new Map(
  readFileSync(join(ROOT, 'infra', 'kafka', 'jars.sha256'), 'utf8')
    .split('\n')
    .filter((l) => /^[0-9a-f]{64} {2}\S+$/.test(l))
    .map((l) => [l.slice(66), l.slice(0, 64)] as const),
);
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const kafka = (command: string, env: Record<string, string>) =>
  spawnSync('bash', [SCRIPT, command], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });

describe('Kafka broker jars', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plaza-jars-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('pins every jar: kafka 4.1.1 and its dependencies, each with a SHA-256', () => {
    expect(sums.get('kafka_2.13-4.1.1.jar')).toMatch(/^[0-9a-f]{64}$/);
    expect(sums.size).toBeGreaterThan(30);
  });

  it('a corrupted cached jar: the checksum mismatch is reported and the jar fetched again', () => {
    const jars = join(dir, 'jars');
    const first = kafka('fetch', { KAFKA_JARS_DIR: jars });
    expect(first.status).toBe(0);
    expect(kafka('verify', { KAFKA_JARS_DIR: jars }).status).toBe(0);

    const victim = join(jars, 'kafka-clients-4.1.1.jar');
    appendFileSync(victim, 'not a jar');
    const check = kafka('verify', { KAFKA_JARS_DIR: jars });
    expect(check.status).toBe(1);
    expect(check.stdout).toContain('kafka-clients-4.1.1.jar: checksum mismatch');

    const again = kafka('fetch', { KAFKA_JARS_DIR: jars });
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/do not match infra\/kafka\/jars\.sha256:\n {2}kafka-clients-4\.1\.1\.jar: checksum mismatch \(sha256 [0-9a-f]{64}, expected [0-9a-f]{64}\)/);
    expect(again.stderr).toContain('fetching them again');
    expect(sha256(victim)).toBe(sums.get('kafka-clients-4.1.1.jar'));
    expect(kafka('verify', { KAFKA_JARS_DIR: jars }).status).toBe(0);
  });

  it('no network and no cache: a clear message naming what is missing, and nothing half-fetched left behind', () => {
    const jars = join(dir, 'empty-jars');
    const run = kafka('fetch', { KAFKA_JARS_DIR: jars, KAFKA_MAVEN_REPO: join(dir, 'empty-m2'), KAFKA_MAVEN_OFFLINE: '1' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('cannot fetch the Kafka broker jars: Maven could not get them from Maven Central (no network?) and they are not cached.');
    expect(run.stderr).toMatch(new RegExp(`missing: ${sums.size} of ${sums.size} jars \\(kafka_2\\.13-4\\.1\\.1\\.jar `));
    expect(run.stderr).toContain(`neither in ${jars} nor in Maven's local repository (${join(dir, 'empty-m2')})`);
    expect(run.stderr).toContain('connect this machine to the network once and run infra/kafka/kafka.sh fetch');
    expect(existsSync(jars)).toBe(false);
    expect(existsSync(`${jars}.tmp`)).toBe(false);
  });
});
