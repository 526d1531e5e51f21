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

  it('runs the broker with SASL/SCRAM and ACLs: each service its own principal and password, ACLs set before they start', () => {
    const kafka = compose.services.kafka as Service & { entrypoint?: string[]; configs?: { source: string; target: string }[] };
    expect(kafka.entrypoint).toEqual(['sh', '/plaza/compose-broker.sh']);
    expect(kafka.configs).toEqual([{ source: 'kafka_broker', target: '/plaza/compose-broker.sh' }]);
    const broker = readFileSync(join(ROOT, 'infra', 'kafka', 'compose-broker.sh'), 'utf8');
    // No PLAINTEXT client listener, deny by default, and the controller (ANONYMOUS, a super user) on loopback only.
    expect(broker).toMatch(/^listeners=SASL_PLAINTEXT:\/\/:\$port,CONTROLLER:\/\/127\.0\.0\.1:\$controller_port$/m);
    expect(broker).toMatch(/^allow\.everyone\.if\.no\.acl\.found=false$/m);
    expect(broker).toMatch(/^sasl\.enabled\.mechanisms=SCRAM-SHA-512$/m);
    for (const name of ['proposals', 'voting', 'audit']) {
      const s = compose.services[name] as Service & { depends_on?: Record<string, { condition: string }> };
      expect(s.environment).toEqual(
        expect.objectContaining({
          KAFKA_SASL_MECHANISM: 'scram-sha-512',
          KAFKA_SASL_USERNAME: `plaza-${name}`,
          KAFKA_SASL_PASSWORD_FILE: `/run/secrets/kafka_${name}_password`,
        }),
      );
      const mounts = (s.secrets ?? []).map((x) => (typeof x === 'string' ? x : x.source));
      expect(mounts.filter((m) => m.startsWith('kafka_'))).toEqual([`kafka_${name}_password`]);
      expect(s.depends_on?.['kafka-acls']).toEqual({ condition: 'service_completed_successfully' });
    }
    const acls = compose.services['kafka-acls'];
    expect(acls.command).toEqual(expect.arrayContaining(['kafka-acls', '--user', 'admin', '--password-file', '/run/secrets/kafka_admin_password']));
    expect(acls.networks).toEqual(['data']);
    // Only the broker and the ACL step hold the super user's password.
    for (const [name, svc] of services) {
      const mounts = (svc.secrets ?? []).map((x) => (typeof x === 'string' ? x : x.source));
      if (mounts.includes('kafka_admin_password')) expect(['kafka', 'kafka-acls']).toContain(name);
    }
    for (const name of ['admin', 'proposals', 'voting', 'audit']) {
      expect(compose.secrets?.[`kafka_${name}_password`]).toEqual({ file: `./secrets/kafka-${name}-password` });
    }
  });

  it('runs any local identity provider or development helper only in the dev profile', () => {
    for (const [name, s] of services.filter(([n]) => /oidc|idp|dev|keycloak/i.test(n))) {
      expect({ name, profiles: s.profiles }).toEqual({ name, profiles: ['dev'] });
    }
  });
});

/**
 * The dev profile (infra/docker-compose.dev.yml over the shipped file, with infra/dev.env): a local OpenID Connect
 * provider for a sign-in without an external one, and otherwise the shipped hardening unchanged.
 */
describe('infra/docker-compose.dev.yml (the dev profile)', () => {
  const dev = parse(readFileSync(join(ROOT, 'infra', 'docker-compose.dev.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service & Record<string, unknown>> };
  const env = Object.fromEntries(
    readFileSync(join(ROOT, 'infra', 'dev.env'), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

  it('adds the local provider only in the dev profile, on 127.0.0.1, running infra/dev-idp.mjs from the image', () => {
    const added = Object.keys(dev.services).filter((name) => !(name in compose.services));
    expect(added).toEqual(['idp']);
    const idp = dev.services.idp;
    expect(idp.profiles).toEqual(['dev']);
    expect(idp.command).toEqual(['node', 'infra/dev-idp.mjs']);
    expect(published(idp)).toEqual([{ host: '127.0.0.1', target: 3004 }]);
    expect(readFileSync(join(ROOT, 'infra', 'Dockerfile'), 'utf8')).toMatch(/^COPY --from=build \/app\/infra\/dev-idp\.mjs \.\/infra\/dev-idp\.mjs$/m);
    // Not in the shipped file at all: `docker compose -f infra/docker-compose.yml --profile dev up` starts no provider.
    expect(Object.keys(compose.services).filter((n) => /idp|oidc/i.test(n))).toEqual([]);
  });

  it('changes nothing else that protects a deployment: no sign-in without a password, no ports, no secrets in values', () => {
    for (const [name, s] of Object.entries(dev.services)) {
      if (name === 'idp') continue;
      expect({ name, keys: Object.keys(s).sort() }).toEqual({ name, keys: ['depends_on', 'environment'] });
      expect({ name, environment: s.environment }).toEqual({ name, environment: { NODE_ENV: 'development' } });
      expect(['proposals', 'voting', 'audit']).toContain(name);
    }
    expect(readFileSync(join(ROOT, 'infra', 'docker-compose.dev.yml'), 'utf8')).not.toMatch(/AUTH_DEV_IDP|dev\/token/);
  });

  it('points the services and the web app at the provider with the issuer, audience and roles claim it issues', () => {
    expect(env).toEqual({
      PLAZA_OIDC_ISSUER: 'http://127.0.0.1:3004',
      PLAZA_OIDC_JWKS_URL: 'http://idp:3004/jwks',
      PLAZA_OIDC_AUDIENCE: 'plaza-api',
      PLAZA_OIDC_ROLES_CLAIM: 'urn:plaza:roles',
      PLAZA_OIDC_CLIENT_ID: 'plaza-web',
    });
    const idp = dev.services.idp.environment!;
    expect(idp).toEqual(
      expect.objectContaining({
        PLAZA_IDP_ISSUER: '${PLAZA_OIDC_ISSUER}',
        PLAZA_IDP_AUDIENCE: '${PLAZA_OIDC_AUDIENCE}',
        PLAZA_IDP_ROLES_CLAIM: '${PLAZA_OIDC_ROLES_CLAIM}',
      }),
    );
    // The shipped file takes the same variables: every service checks this issuer and audience, as in production.
    for (const name of ['proposals', 'voting', 'audit']) {
      expect(compose.services[name].environment).toEqual(
        expect.objectContaining({ AUTH_OIDC_ISSUER: expect.stringContaining('PLAZA_OIDC_ISSUER'), AUTH_OIDC_AUDIENCE: expect.stringContaining('PLAZA_OIDC_AUDIENCE') }),
      );
    }
    expect(compose.services.web.environment?.AUTH_OIDC_ISSUER).toEqual(expect.stringContaining('PLAZA_OIDC_ISSUER'));
  });
});
