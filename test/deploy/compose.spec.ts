import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * Issue #13 item 6: the compose file we ship is safe as shipped. Read as Docker Compose reads it (YAML with merge
 * keys), every service is checked: no database or broker port published, no development sign-in, secrets as files.
 */
const ROOT = resolve(__dirname, '..', '..');
const text = readFileSync(join(ROOT, 'infra', 'docker-compose.yml'), 'utf8');
const compose = parse(text, { merge: true }) as {
  services: Record<string, Service>;
  secrets?: Record<string, { file?: string }>;
  networks?: Record<string, { internal?: boolean } | null>;
};

interface Service {
  image?: string;
  command?: string[];
  ports?: (string | number | { published?: string | number; host_ip?: string; target?: number })[];
  expose?: unknown[];
  environment?: Record<string, string | number | boolean>;
  secrets?: (string | { source: string; target?: string })[];
  networks?: string[];
  profiles?: string[];
}

/** Each published port as [host address, container port]; "3000:3000" publishes on every address. */
function published(service: Service): { host: string; target: number }[] {
  return (service.ports ?? []).map((p) => {
    if (typeof p === 'object') return { host: p.host_ip ?? '0.0.0.0', target: Number(p.target) };
    const parts = String(p).split(':');
    const target = Number(parts.at(-1)!.split('/')[0]);
    return { host: parts.length === 3 ? parts[0] : '0.0.0.0', target };
  });
}

const isDatabase = (name: string, s: Service) => /postgres|mysql|mariadb/.test(s.image ?? '') || name === 'postgres';
const isBroker = (name: string, s: Service) => /kafka|redpanda/.test(s.image ?? '') || name === 'kafka';

describe('infra/docker-compose.yml as shipped', () => {
  const services = Object.entries(compose.services);

  it('parses, with the database, the broker, the three services and web', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', 'kafka', 'proposals', 'voting', 'audit', 'web']));
  });

  it('publishes no database or broker port, and nothing at all on a public address', () => {
    const stores = services.filter(([name, s]) => isDatabase(name, s) || isBroker(name, s));
    expect(stores.length).toBe(2);
    for (const [name, s] of stores) expect({ name, ports: published(s) }).toEqual({ name, ports: [] });
    for (const [name, s] of services) {
      for (const p of published(s)) expect({ name, host: p.host }).toEqual({ name, host: '127.0.0.1' });
    }
  });

  it('keeps the database and the broker on an internal network', () => {
    for (const [name, s] of services.filter(([n, svc]) => isDatabase(n, svc) || isBroker(n, svc))) {
      expect({ name, networks: s.networks }).toEqual({ name, networks: ['data'] });
    }
    expect(compose.networks?.data?.internal).toBe(true);
  });

  it('never turns on the development sign-in, and runs in production', () => {
    for (const [name, s] of services) {
      expect({ name, devIdp: String(s.environment?.AUTH_DEV_IDP ?? 'unset') }).toEqual({ name, devIdp: 'unset' });
    }
    for (const name of ['proposals', 'voting', 'audit']) expect(compose.services[name].environment?.NODE_ENV).toBe('production');
    expect(text).not.toMatch(/dev\/token/);
  });

  it('gives every secret as a file (Docker secrets), never as a value in the environment', () => {
    for (const [name, s] of services) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (/PASSWORD|SECRET|_KEY$|DATABASE_URL$/.test(key)) expect({ name, key, value }).toEqual({ name, key: expect.stringMatching(/_FILE$/), value });
        if (key.endsWith('_FILE')) expect(String(value)).toMatch(/^\/run\/secrets\//);
      }
    }
    for (const [, secret] of Object.entries(compose.secrets ?? {})) expect(secret.file).toMatch(/^\.\/secrets\//);
    // …and the folder holding them never goes into an image build context.
    expect(readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')).toContain('infra/secrets');
  });

  it('connects each service as its own database role, and only voting holds the voting-code key', () => {
    const mounts = (name: string) => (compose.services[name].secrets ?? []).map((s) => (typeof s === 'string' ? s : s.source));
    for (const name of ['proposals', 'voting', 'audit']) {
      expect(compose.services[name].environment?.DATABASE_URL_FILE).toBe(`/run/secrets/db_url_${name}`);
      expect(mounts(name)).toContain(`db_url_${name}`);
      for (const other of ['proposals', 'voting', 'audit'].filter((o) => o !== name)) expect(mounts(name)).not.toContain(`db_url_${other}`);
      expect(mounts(name)).not.toContain('db_admin_password');
    }
    expect(mounts('voting')).toContain('voting_code_key');
    expect(compose.services.voting.environment?.AUTH_VOTING_CODE_KEY_FILE).toBe('/run/secrets/voting_code_key');
    for (const name of ['proposals', 'audit', 'web']) {
      expect(mounts(name)).not.toContain('voting_code_key');
      // No Plaza signing or verifying key elsewhere: their tokens come from the OIDC provider.
      expect(Object.keys(compose.services[name].environment ?? {}).filter((k) => /^AUTH_(SIGNING|PUBLIC|VOTING_CODE)_KEY/.test(k))).toEqual([]);
    }
    expect(mounts('audit')).toContain('ledger_signing_key');
    expect(compose.services['db-roles'].command).toEqual(expect.arrayContaining(['db-roles']));
  });

  it('runs any local identity provider or development helper only in the dev profile', () => {
    for (const [name, s] of services.filter(([n]) => /oidc|idp|dev|keycloak/i.test(n))) {
      expect({ name, profiles: s.profiles }).toEqual({ name, profiles: ['dev'] });
    }
  });
});
