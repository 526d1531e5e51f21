import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Client } from 'pg';
import { TEST_KAFKA_BROKERS, uniqueName } from '@plaza/testing';
import { alive, descendants, envWithout, freePort, Launcher, portFree, ROOT, stateDir } from '../support/launcher';


/**
 * `npm start` on a machine with no PostgreSQL (DATABASE_URL unset, nothing on the probed port): the embedded
 * PostgreSQL starts, the services migrate, the demo round is seeded, the console stays a short summary, and
 * Ctrl-C leaves no process behind. The demo here is a 27-ballot Pabulib file so the test stays fast;
 * PLAZA_LAUNCHER_DEMO=full replays the default demo (Wieliczka, 6,586 ballots, about two minutes) instead.
 */
const listenOn = (port: number) =>
  new Promise<Server>((done) => {
    const server = createServer();
    server.listen(port, '127.0.0.1', () => done(server));
  });

const FULL = process.env.PLAZA_LAUNCHER_DEMO === 'full';
const DEMO_FILE = 'test/fixtures/pabulib/Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb';

describe('npm start checks the machine first', () => {
  it('stops at once with the fix, not a stack trace, when a port it needs is taken', async () => {
    const taken = await listenOn(await freePort());
    const dir = stateDir();
    try {
      const port = (taken.address() as AddressInfo).port;
      const launcher = new Launcher(['--no-build'], envWithout(['LOG_FORMAT'], { PLAZA_STATE_DIR: dir, PROPOSALS_PORT: String(port), KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(',') }));
      expect(await launcher.exit()).toBe(1);
      expect(launcher.console).toContain('Plaza cannot start yet: one thing needs fixing.');
      expect(launcher.console).toContain(`FAIL  port ${port}: in use, but proposals needs it — fix: stop what listens there`);
      expect(launcher.console).not.toMatch(/\n\s+at /);
    } finally {
      taken.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npm start on a machine without PostgreSQL', () => {
  const dir = stateDir();
  let launcher: Launcher | undefined;
  afterAll(async () => {
    await launcher?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'runs an embedded PostgreSQL, migrates, seeds the demo, prints a calm summary, and Ctrl-C leaves nothing running',
    async () => {
      const [probe, proposals, voting, audit, web, idp] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
      launcher = new Launcher(
        ['--no-build'],
        envWithout(['DATABASE_URL', 'LOG_FORMAT', 'PLAZA_DEMO', 'PLAZA_DEMO_FILE', 'AUTH_SIGNING_KEY', 'AUTH_SIGNING_KEY_FILE', 'AUTH_DEV_IDP', 'AUTH_VOTING_CODE_KEY', 'AUTH_VOTING_CODE_KEY_FILE', 'AUTH_OIDC_ISSUER'], {
          PLAZA_STATE_DIR: dir,
          PLAZA_PG_PROBE: `127.0.0.1:${probe}`,
          KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
          KAFKA_TOPIC_PREFIX: uniqueName('launch'),
          PLAZA_OPEN: 'off',
          PROPOSALS_PORT: String(proposals),
          VOTING_PORT: String(voting),
          AUDIT_PORT: String(audit),
          WEB_PORT: String(web),
          PLAZA_IDP_PORT: String(idp),
          ...(FULL ? {} : { PLAZA_DEMO_FILE: DEMO_FILE }),
        }),
      );
      await launcher.waitFor('Ctrl-C stops everything.', FULL ? 600_000 : 150_000);

      // The console: a short summary for people, no JSON, nothing at level error (kept in test-results/ to read).
      const lines = launcher.lines;
      mkdirSync(join(ROOT, 'test-results'), { recursive: true });
      writeFileSync(join(ROOT, 'test-results', `launcher-console${FULL ? '-full' : ''}.txt`), launcher.console);
      expect(lines.length).toBeLessThan(40);
      for (const line of lines) {
        expect(line.trim().startsWith('{')).toBe(false);
        expect(line).not.toMatch(/\berror\b/i);
      }
      const text = launcher.console;
      expect(text).toMatch(/✓ database: embedded PostgreSQL on 127\.0\.0\.1:\d+/);
      expect(text).toContain('✓ demo round seeded');
      expect(text).toContain(`Open http://127.0.0.1:${web}/rounds/`);
      expect(text).toContain('resident-1');
      // The local OpenID Connect provider runs and publishes its discovery document.
      expect(text).toContain(`✓ local OpenID Connect provider: http://127.0.0.1:${idp}`);
      const discovery = (await (await fetch(`http://127.0.0.1:${idp}/.well-known/openid-configuration`)).json()) as { issuer: string; code_challenge_methods_supported: string[] };
      expect(discovery).toMatchObject({ issuer: `http://127.0.0.1:${idp}`, code_challenge_methods_supported: ['S256'] });
      const webAuth = (await (await fetch(`http://127.0.0.1:${web}/auth/config.json`)).json()) as { oidc?: { authority: string } };
      expect(webAuth.oidc?.authority).toBe(`http://127.0.0.1:${idp}`);
      expect(text).toContain(`${dir}/logs`);

      // The services migrated their schemas in the embedded server, and the demo round is there with its ballots.
      const port = Number(/embedded PostgreSQL on 127\.0\.0\.1:(\d+)/.exec(text)![1]);
      const client = new Client({ connectionString: `postgres://postgres:plaza-dev@127.0.0.1:${port}/plaza` });
      await client.connect();
      try {
        const schemas = await client.query<{ schema_name: string }>(
          `select table_schema as schema_name from information_schema.tables where table_name = 'migrations' order by 1`,
        );
        expect(schemas.rows.map((r) => r.schema_name)).toEqual(expect.arrayContaining(['audit', 'proposals', 'voting']));
      } finally {
        await client.end();
      }
      const rounds = (await (await fetch(`http://127.0.0.1:${proposals}/rounds?limit=200`)).json()) as { items: { config?: { name?: string }; phase: string }[] };
      const demo = rounds.items.find((r) => (r.config?.name ?? '').startsWith('Demo:'));
      expect(demo?.phase).toBe('voting');

      // Each service's JSON logs went to its file under the state folder.
      for (const service of ['proposals', 'voting', 'audit', 'web']) {
        const log = readFileSync(join(dir, 'logs', `${service}.log`), 'utf8').trim().split('\n');
        expect(log.some((line) => line.startsWith('{') && JSON.parse(line).level >= 30)).toBe(true);
      }

      // Ctrl-C: every process the launcher started is gone, PostgreSQL shut down cleanly, the ports are free.
      const started = descendants(launcher.child.pid!);
      expect(started.length).toBeGreaterThanOrEqual(5);
      expect(await launcher.stop('SIGINT')).toBe(0);
      await new Promise((r) => setTimeout(r, 200));
      expect(started.filter(alive)).toEqual([]);
      expect(existsSync(join(dir, 'postgres', 'postmaster.pid'))).toBe(false);
      for (const p of [port, proposals, voting, audit, web, idp]) expect(await portFree(p)).toBe(true);
    },
    FULL ? 900_000 : 240_000,
  );
});
