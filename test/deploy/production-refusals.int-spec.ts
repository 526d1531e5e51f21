import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Issue #13 item 2: each service's real main.ts, run as a process under NODE_ENV=production, refuses to start
 * (non-zero exit, the variable named on stderr) before it touches the database or the broker.
 */
const ROOT = resolve(__dirname, '..', '..');
const SERVICES = ['proposals', 'voting', 'audit'] as const;

function run(service: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['-r', join(ROOT, 'test/support/ts-register.js'), join(ROOT, 'apps', service, 'src', 'main.ts')], {
      cwd: ROOT,
      // Only what is given: nothing from the developer's own environment decides the outcome.
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', fail);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stderr });
    });
  });
}

describe('NODE_ENV=production refusals (each service as a process)', () => {
  let dir: string;
  let good: Record<string, string>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'plaza-prod-'));
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'signing.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
    writeFileSync(join(dir, 'public.pem'), publicKey.export({ format: 'pem', type: 'spki' }));
    const ledger = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    writeFileSync(join(dir, 'ledger.pem'), ledger);
    writeFileSync(join(dir, 'db-url'), 'postgres://plaza_runtime:Xq8-not-a-dev-password@127.0.0.1:1/none\n');
    // A production-shaped configuration: every secret from a file, https identity provider. Port 1 for the
    // database: a service that got past its configuration would fail later with another message.
    good = {
      NODE_ENV: 'production',
      DATABASE_URL_FILE: join(dir, 'db-url'),
      AUTH_SIGNING_KEY_FILE: join(dir, 'signing.pem'),
      AUTH_PUBLIC_KEY_FILE: join(dir, 'public.pem'),
      LEDGER_SIGNING_KEY_FILE: join(dir, 'ledger.pem'),
      AUTH_OIDC_ISSUER: 'https://id.example.org/realms/city',
      AUTH_OIDC_AUDIENCE: 'plaza',
      AUTH_OIDC_JWKS_URL: 'https://id.example.org/realms/city/protocol/openid-connect/certs',
      KAFKA_BROKERS: '127.0.0.1:1',
    };
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  type Case = { name: string; variable: string; only?: string; change: (env: Record<string, string>) => Record<string, string> };
  const cases: Case[] = [
    { name: 'the development sign-in on', variable: 'AUTH_DEV_IDP', change: (env) => ({ ...env, AUTH_DEV_IDP: 'true' }) },
    { name: 'an http identity provider', variable: 'AUTH_OIDC_ISSUER', change: (env) => ({ ...env, AUTH_OIDC_ISSUER: 'http://id.example.org/realms/city' }) },
    {
      name: 'an http key-set URL',
      only: 'voting',
      variable: 'AUTH_OIDC_JWKS_URL',
      change: (env) => ({ ...env, AUTH_OIDC_JWKS_URL: 'http://id.example.org/realms/city/protocol/openid-connect/certs' }),
    },
    {
      name: 'the database secret left at its development default',
      variable: 'DATABASE_URL',
      change: ({ DATABASE_URL_FILE: _, ...env }) => env,
    },
    {
      name: 'a development database password',
      only: 'voting',
      variable: 'DATABASE_URL',
      change: ({ DATABASE_URL_FILE: _, ...env }) => ({ ...env, DATABASE_URL: 'postgres://postgres:plaza@postgres:5432/plaza' }),
    },
  ];

  for (const service of SERVICES) {
    for (const c of cases.filter((k) => !k.only || k.only === service)) {
      it(`${service} exits non-zero with ${c.name}, naming ${c.variable}`, async () => {
        const { code, stderr } = await run(service, c.change(good));
        expect(code).not.toBe(0);
        expect(code).not.toBeNull();
        expect(stderr).toContain(c.variable);
        expect(stderr).toContain('invalid configuration');
      });
    }
  }

  it('audit exits non-zero without the ledger key, naming LEDGER_SIGNING_KEY', async () => {
    const { LEDGER_SIGNING_KEY_FILE: _, ...env } = good;
    const { code, stderr } = await run('audit', env);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/invalid configuration[\s\S]*LEDGER_SIGNING_KEY/);
  });

  it('the production-shaped configuration itself passes every check (the process fails later, reaching the database)', async () => {
    const { code, stderr } = await run('proposals', good);
    expect(code).not.toBe(0);
    expect(stderr).not.toContain('invalid configuration');
    expect(stderr).toContain('failed to start');
  });
});
