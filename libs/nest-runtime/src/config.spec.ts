import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trustProxy } from './bootstrap';
import { ConfigError, kafkaConnection, loadConfig, ServiceConfig } from './config';

class TestConfig extends ServiceConfig {
  override PORT = 3009;
}

describe('loadConfig', () => {
  it('takes defaults, converts types and splits broker lists', () => {
    const config = loadConfig(TestConfig, { PORT: '4000', KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093', MIGRATE_ON_START: 'false' });
    expect(config.PORT).toBe(4000);
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092', '127.0.0.1:9093']);
    expect(config.MIGRATE_ON_START).toBe(false);
    expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/test');
    expect(loadConfig(TestConfig, {}).PORT).toBe(3009);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig(TestConfig, { PORT: '', LOG_LEVEL: '' }).LOG_LEVEL).toBe('info');
  });

  it('fails at boot naming every bad variable', () => {
    let error: unknown;
    try {
      loadConfig(TestConfig, { PORT: 'eighty', LOG_LEVEL: 'loud', DB_SCHEMA: 'Robert"); drop', KAFKA_TOPIC_PREFIX: 'a b' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['PORT', 'LOG_LEVEL', 'DB_SCHEMA', 'KAFKA_TOPIC_PREFIX']) expect(message).toContain(name);
  });
});

describe('TRUST_PROXY', () => {
  it('defaults to trusting proxies on this host only', () => {
    expect(loadConfig(ServiceConfig, {}).TRUST_PROXY).toBe('loopback');
  });

  it('becomes what Express takes: a boolean, a hop count, or the trusted addresses as written', () => {
    expect(trustProxy('false')).toBe(false);
    expect(trustProxy('true')).toBe(true);
    expect(trustProxy(' 2 ')).toBe(2);
    expect(trustProxy('loopback, 10.0.0.0/8')).toBe('loopback, 10.0.0.0/8');
  });
});

describe('secrets as *_FILE and NODE_ENV=production', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'plaza-config-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a secret from its _FILE (one trailing newline dropped) and refuses both at once', () => {
    writeFileSync(join(dir, 'url'), 'postgres://svc:s3cret-Long@db:5432/plaza\n');
    expect(loadConfig(ServiceConfig, { DATABASE_URL_FILE: join(dir, 'url') }).DATABASE_URL).toBe('postgres://svc:s3cret-Long@db:5432/plaza');
    expect(() => loadConfig(ServiceConfig, { DATABASE_URL_FILE: join(dir, 'url'), DATABASE_URL: 'postgres://x' })).toThrow(
      'set only one of DATABASE_URL and DATABASE_URL_FILE',
    );
    expect(() => loadConfig(ServiceConfig, { KAFKA_SASL_PASSWORD_FILE: join(dir, 'missing') })).toThrow(/KAFKA_SASL_PASSWORD_FILE: cannot read/);
  });

  it('names every production refusal at once', () => {
    let error: unknown;
    try {
      loadConfig(ServiceConfig, { NODE_ENV: 'production', AUTH_DEV_IDP: 'true', AUTH_OIDC_ISSUER: 'http://idp', AUTH_OIDC_JWKS_URL: 'http://idp/jwks' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.split(':')[0]);
    expect(problems).toEqual(['AUTH_DEV_IDP', 'AUTH_OIDC_ISSUER', 'AUTH_OIDC_JWKS_URL', 'DATABASE_URL']);
  });

  it('accepts the same settings outside production', () => {
    expect(loadConfig(ServiceConfig, { AUTH_DEV_IDP: 'true', AUTH_OIDC_ISSUER: 'http://idp' }).AUTH_DEV_IDP).toBe(true);
  });

  it('wants Kafka SASL settings complete', () => {
    expect(() => loadConfig(ServiceConfig, { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'plaza-voting' })).toThrow(/KAFKA_SASL_PASSWORD/);
    expect(() => loadConfig(ServiceConfig, { KAFKA_SASL_USERNAME: 'plaza-voting' })).toThrow(/KAFKA_SASL_MECHANISM/);
  });

  it('checks the Kafka CA file at boot: readable, a PEM certificate, and only with KAFKA_TLS=true', () => {
    const ca = join(dir, 'ca.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=test CA', '-keyout', join(dir, 'ca.key'), '-out', ca], { stdio: 'ignore' });
    const config = loadConfig(ServiceConfig, { KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: ca });
    expect(kafkaConnection(config, 'c').tls).toEqual({ caFile: ca });
    expect(() => loadConfig(ServiceConfig, { KAFKA_TLS_CA_FILE: ca })).toThrow('KAFKA_TLS_CA_FILE: set KAFKA_TLS=true too');
    expect(() => loadConfig(ServiceConfig, { KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: join(dir, 'no-such.pem') })).toThrow(/KAFKA_TLS_CA_FILE: cannot read .*no-such\.pem \(ENOENT\)/);
    writeFileSync(join(dir, 'key-only.pem'), '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    expect(() => loadConfig(ServiceConfig, { KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: join(dir, 'key-only.pem') })).toThrow(/KAFKA_TLS_CA_FILE: .* holds no PEM certificate/);
    writeFileSync(join(dir, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n');
    expect(() => loadConfig(ServiceConfig, { KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: join(dir, 'broken.pem') })).toThrow(/KAFKA_TLS_CA_FILE: .* is not a readable certificate/);
  });

  it('refuses SASL PLAIN without TLS in production (the password would cross the network in clear)', () => {
    const env = { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'plaza-voting', KAFKA_SASL_PASSWORD: 'a-long-generated-one' };
    expect(loadConfig(ServiceConfig, env).KAFKA_SASL_MECHANISM).toBe('plain');
    const production = { ...env, NODE_ENV: 'production', DATABASE_URL: 'postgres://svc:s3cret-Long@db:5432/plaza' };
    expect(() => loadConfig(ServiceConfig, production)).toThrow(/KAFKA_SASL_MECHANISM: plain sends the password in clear text/);
    expect(loadConfig(ServiceConfig, { ...production, KAFKA_TLS: 'true' }).KAFKA_TLS).toBe(true);
  });
});
