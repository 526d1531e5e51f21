import { ConfigError } from '@plaza/nest-runtime';
import { loadProposalsConfig } from './proposals.config';

describe('proposals config: notification e-mail', () => {
  it('is off by default', () => {
    expect(loadProposalsConfig({}).mailEnabled).toBe(false);
  });

  it('is on with SMTP_URL or SMTP_HOST and a sender', () => {
    expect(loadProposalsConfig({ SMTP_URL: 'smtp://u:p@mail.example:587', SMTP_FROM: 'Plaza <p@x.example>' }).mailEnabled).toBe(true);
    const c = loadProposalsConfig({ SMTP_HOST: 'mail.example', SMTP_PORT: '465', SMTP_SECURE: 'true', SMTP_USER: 'u', SMTP_PASS: 'p', SMTP_FROM: 'p@x.example' });
    expect([c.mailEnabled, c.SMTP_PORT, c.SMTP_SECURE]).toEqual([true, 465, true]);
  });

  it.each([
    [{ SMTP_HOST: 'mail.example' }, 'SMTP_FROM'],
    [{ SMTP_HOST: 'mail.example', SMTP_URL: 'smtp://mail.example', SMTP_FROM: 'p@x.example' }, 'SMTP_URL and SMTP_HOST'],
    [{ SMTP_USER: 'u', SMTP_PASS: 'p' }, 'SMTP_USER/SMTP_PASS'],
    [{ SMTP_HOST: 'mail.example', SMTP_USER: 'u', SMTP_FROM: 'p@x.example' }, 'SMTP_USER and SMTP_PASS'],
    [{ SMTP_URL: 'http://mail.example' }, 'SMTP_URL'],
    [{ SMTP_HOST: 'mail.example', SMTP_FROM: 'p@x.example', SMTP_PORT: '0' }, 'SMTP_PORT'],
    [{ SMTP_HOST: 'mail.example', SMTP_FROM: 'a\nBcc: b@c' }, 'SMTP_FROM'],
  ])('refuses %j, naming %s', (env, name) => {
    let error: unknown;
    try {
      loadProposalsConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join('\n')).toContain(name);
  });
});
