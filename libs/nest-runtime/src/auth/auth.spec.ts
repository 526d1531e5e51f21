import 'reflect-metadata';
import { Controller, Get, Logger, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { createHmac, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import request from 'supertest';
import { ConfigError, loadConfig, ServiceConfig } from '../config';
import { validationPipe } from '../http';
import { authOptionsFromSettings, keyId } from './auth.options';
import { AuthModule, type AuthModuleOptions } from './auth.module';
import { AcceptsVotingCode, CurrentCaller, Public, Roles, type Caller } from './roles';
import { TokenIssuer } from './token-issuer';

const pem = (key: KeyObject) => key.export({ format: 'pem', type: key.type === 'private' ? 'pkcs8' : 'spki' }).toString();
const plazaKeys = generateKeyPairSync('ed25519');
const otherKeys = generateKeyPairSync('ed25519');
const codeKeys = generateKeyPairSync('ed25519');

@Controller('things')
class ThingsController {
  @Get('open')
  @Public()
  open(@CurrentCaller() caller?: Caller) {
    return { caller: caller ?? null };
  }

  @Get('admin')
  @Roles('admin')
  admin(@CurrentCaller() caller: Caller) {
    return { sub: caller.sub };
  }

  @Get('review')
  @Roles('staff', 'auditor')
  review() {
    return { ok: true };
  }

  @Get('propose')
  @Roles('resident')
  propose() {
    return { ok: true };
  }

  @Get('vote')
  @Roles('resident')
  @AcceptsVotingCode()
  vote(@CurrentCaller() caller: Caller) {
    return { votingCode: caller.votingCode ?? null };
  }

  @Get('forgotten')
  forgotten() {
    return { leaked: true };
  }
}

@Roles('auditor')
@Controller('audited')
class AuditedController {
  @Get('inherited')
  inherited() {
    return { ok: true };
  }

  @Get('overridden')
  @Public()
  overridden() {
    return { ok: true };
  }
}

async function appWith(env: Record<string, string>, options: AuthModuleOptions = {}): Promise<INestApplication> {
  const settings = loadConfig(ServiceConfig, env);
  const moduleRef = await Test.createTestingModule({
    imports: [AuthModule.forRoot(settings, options)],
    controllers: [ThingsController, AuditedController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  app.useGlobalPipes(validationPipe);
  await app.init();
  return app;
}

/** A token the way a foreign or careless signer would make it: any header, any payload, any key. */
function rawToken(header: object, payload: object, sign: (input: string) => string): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${sign(input)}`;
}

const now = () => Math.floor(Date.now() / 1000);
const plazaClaims = (extra: object = {}) => ({ iss: 'plaza', aud: 'plaza', sub: 'u1', roles: ['admin'], iat: now(), exp: now() + 600, ...extra });
/** A development-key token as the dev identity provider makes it (typ JWT), with whatever claims and key. */
const devToken = (claims: object, key: KeyObject = plazaKeys.privateKey, header: object = {}) =>
  new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: keyId(createPublicKey(key)), ...header })
    .setIssuer('plaza').setAudience('plaza').setSubject('u1').setIssuedAt().setExpirationTime('10m')
    .sign(key);

describe('AuthModule with Plaza keys', () => {
  let app: INestApplication;
  let issuer: TokenIssuer;
  const get = (path: string, token?: string) => {
    const req = request(app.getHttpServer()).get(path);
    return token === undefined ? req : req.set('authorization', `Bearer ${token}`);
  };
  const tokenFor = async (...roles: Caller['roles'][number][]) => (await issuer.issue({ sub: `sub-${roles.join('-')}`, roles })).token;

  beforeAll(async () => {
    // As the voting service with the development identity provider on: both kinds of Plaza token, each its own key.
    app = await appWith(
      { AUTH_SIGNING_KEY: pem(plazaKeys.privateKey), AUTH_DEV_IDP: 'true', AUTH_VOTING_CODE_KEY: pem(codeKeys.privateKey) },
      { devIdentityProvider: true, issuesVotingCodes: true },
    );
    issuer = app.get(TokenIssuer);
  });
  afterAll(() => app.close());

  it('lets anyone call a public handler, and hands it the caller when a token is sent', async () => {
    expect((await get('/things/open')).body).toEqual({ caller: null });
    const res = await get('/things/open', await tokenFor('resident'));
    expect(res.status).toBe(200);
    expect(res.body.caller).toEqual({ sub: 'sub-resident', roles: ['resident'] });
  });

  it('answers 401 with a Bearer challenge when a role-guarded handler gets no token', async () => {
    const res = await get('/things/admin');
    expect(res.status).toBe(401);
    expect(res.body.message).toBe('authentication required: send "Authorization: Bearer <token>"');
    expect(res.headers['www-authenticate']).toBe('Bearer realm="plaza"');
  });

  it('allows any one of the declared roles and refuses the others with 403 naming them', async () => {
    expect((await get('/things/admin', await tokenFor('admin'))).body).toEqual({ sub: 'sub-admin' });
    expect((await get('/things/review', await tokenFor('auditor'))).status).toBe(200);
    expect((await get('/things/review', await tokenFor('resident', 'staff'))).status).toBe(200);
    const refused = await get('/things/admin', await tokenFor('staff', 'auditor'));
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('requires one of the roles admin; the token has staff, auditor');
    expect(refused.headers['www-authenticate']).toContain('insufficient_scope');
  });

  it('names a handler without an access policy as a programming error when the application boots', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const other = await appWith({ AUTH_SIGNING_KEY: pem(plazaKeys.privateKey) });
      await other.close();
      const messages = errors.mock.calls.map(([message]) => String(message));
      expect(messages).toEqual(['ThingsController.forgotten declares neither @Roles nor @Public: every request to it is denied']);
    } finally {
      errors.mockRestore();
    }
  });

  it('denies a handler that declares neither @Roles nor @Public, even to an administrator, and logs it', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    expect((await get('/things/forgotten')).status).toBe(403);
    expect(errors.mock.calls.map(([message]) => String(message))).toEqual([
      'ThingsController.forgotten (GET /things/forgotten) declares neither @Roles nor @Public: denied',
    ]);
    errors.mockRestore();
    const res = await get('/things/forgotten', await tokenFor('admin', 'staff', 'auditor', 'resident'));
    expect(res.status).toBe(403);
    expect(res.body).not.toHaveProperty('leaked');
  });

  it('takes a controller-level @Roles as the default and lets a handler override it', async () => {
    expect((await get('/audited/inherited')).status).toBe(401);
    expect((await get('/audited/inherited', await tokenFor('admin'))).status).toBe(403);
    expect((await get('/audited/inherited', await tokenFor('auditor'))).status).toBe(200);
    expect((await get('/audited/overridden')).status).toBe(200);
  });

  it('serves GET /auth/me with the subject, roles and voting code the token carries', async () => {
    const { token, expiresAt } = await issuer.issueVotingCode({
      sub: 'code:ABCD',
      votingCode: { roundId: 'r1', unitId: 'centre', pseudonym: 'ff00' },
      ttlSeconds: 120,
    });
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(100_000);
    expect((await get('/auth/me', token)).body).toEqual({
      sub: 'code:ABCD',
      roles: ['resident'],
      votingCode: { roundId: 'r1', unitId: 'centre', pseudonym: 'ff00' },
    });
  });

  it('takes a voting-code token only where a handler accepts voting codes (a code is for voting, nothing else)', async () => {
    const code = { roundId: 'r1', unitId: 'centre', pseudonym: 'ab12' };
    const { token } = await issuer.issueVotingCode({ sub: 'code:ab12', votingCode: code });
    expect((await get('/things/vote', token)).body).toEqual({ votingCode: code });
    const refused = await get('/things/propose', token);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('a voting-code token is only good for voting; sign in as a resident for anything else');
    expect((await get('/things/open', token)).status).toBe(200);
    const resident = await tokenFor('resident');
    expect((await get('/things/propose', resident)).status).toBe(200);
    // Even a token signed with the voting-code key that claims more gets only the resident role.
    const greedy = await new SignJWT({ roles: ['admin', 'resident'], votingCode: code })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'plaza-voting-code+jwt', kid: keyId(codeKeys.publicKey) })
      .setIssuer('plaza').setAudience('plaza-voting').setSubject('code:ab12').setIssuedAt().setExpirationTime('10m')
      .sign(codeKeys.privateKey);
    expect((await get('/auth/me', greedy)).body).toEqual({ sub: 'code:ab12', roles: ['resident'], votingCode: code });
    expect((await get('/things/admin', greedy)).status).toBe(403);
    expect((await get('/things/vote', resident)).body).toEqual({ votingCode: null });
  });

  it.each([
    ['expired', () => new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: keyId(plazaKeys.publicKey) }).setIssuer('plaza').setAudience('plaza').setSubject('u1').setIssuedAt(now() - 7200).setExpirationTime(now() - 3600).sign(plazaKeys.privateKey), 'token expired'],
    ['signed by another key under our key id', () => new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: keyId(plazaKeys.publicKey) }).setIssuer('plaza').setAudience('plaza').setSubject('u1').setIssuedAt().setExpirationTime('10m').sign(otherKeys.privateKey), 'signature verification failed'],
    ['signed by another key under its own key id', () => new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: keyId(otherKeys.publicKey) }).setIssuer('plaza').setAudience('plaza').setSubject('u1').setIssuedAt().setExpirationTime('10m').sign(otherKeys.privateKey), 'signed with an unknown key'],
    ['alg none', async () => new UnsecuredJWT(plazaClaims()).encode(), 'signing algorithm not accepted'],
    ['alg none with an empty signature but our key id', async () => rawToken({ alg: 'none', kid: keyId(plazaKeys.publicKey) }, plazaClaims(), () => ''), 'signing algorithm not accepted'],
    ['HS256 keyed with our public key (algorithm confusion)', async () => rawToken({ alg: 'HS256', kid: keyId(plazaKeys.publicKey) }, plazaClaims(), (input) => createHmac('sha256', pem(plazaKeys.publicKey)).update(input).digest('base64url')), 'signing algorithm not accepted'],
    ['another audience', () => new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: keyId(plazaKeys.publicKey) }).setIssuer('plaza').setAudience('elsewhere').setSubject('u1').setIssuedAt().setExpirationTime('10m').sign(plazaKeys.privateKey), 'claim "aud" is not valid'],
    ['no subject', () => new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: keyId(plazaKeys.publicKey) }).setIssuer('plaza').setAudience('plaza').setIssuedAt().setExpirationTime('10m').sign(plazaKeys.privateKey), 'claim "sub" is missing'],
    ['an unknown issuer', () => new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'EdDSA' }).setIssuer('https://evil.example').setAudience('plaza').setSubject('u1').setIssuedAt().setExpirationTime('10m').sign(otherKeys.privateKey), 'issuer not accepted'],
    ['another type (typ header)', () => devToken({ roles: ['admin'] }, plazaKeys.privateKey, { typ: 'at+jwt' }), 'token type (typ header) not accepted here'],
    ['without a type (typ header)', () => new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'EdDSA', kid: keyId(plazaKeys.publicKey) }).setIssuer('plaza').setAudience('plaza').setSubject('u1').setIssuedAt().setExpirationTime('10m').sign(plazaKeys.privateKey), 'token type (typ header) not accepted here'],
    ['a development token claiming a voting code', () => devToken({ roles: ['resident'], votingCode: { roundId: 'r1', unitId: 'centre', pseudonym: 'ab12' } }), 'a voting code is valid only in a voting-code token'],
    ['a voting-code token signed with the development key', () => new SignJWT({ roles: ['resident'], votingCode: { roundId: 'r1', unitId: 'centre', pseudonym: 'ab12' } }).setProtectedHeader({ alg: 'EdDSA', typ: 'plaza-voting-code+jwt', kid: keyId(plazaKeys.publicKey) }).setIssuer('plaza').setAudience('plaza-voting').setSubject('code:ab12').setIssuedAt().setExpirationTime('10m').sign(plazaKeys.privateKey), 'signed with an unknown key'],
    ['a voting-code token for another audience', () => new SignJWT({ roles: ['resident'], votingCode: { roundId: 'r1', unitId: 'centre', pseudonym: 'ab12' } }).setProtectedHeader({ alg: 'EdDSA', typ: 'plaza-voting-code+jwt', kid: keyId(codeKeys.publicKey) }).setIssuer('plaza').setAudience('plaza').setSubject('code:ab12').setIssuedAt().setExpirationTime('10m').sign(codeKeys.privateKey), 'claim "aud" is not valid'],
    ['a voting-code token from another issuer', () => new SignJWT({ roles: ['resident'], votingCode: { roundId: 'r1', unitId: 'centre', pseudonym: 'ab12' } }).setProtectedHeader({ alg: 'EdDSA', typ: 'plaza-voting-code+jwt', kid: keyId(codeKeys.publicKey) }).setIssuer('elsewhere').setAudience('plaza-voting').setSubject('code:ab12').setIssuedAt().setExpirationTime('10m').sign(codeKeys.privateKey), 'claim "iss" is not valid'],
    ['a voting-code-key token posing as a development token', () => devToken({ roles: ['admin'] }, codeKeys.privateKey), 'signed with an unknown key'],
    ['garbage', async () => 'not.a.jwt', 'malformed token'],
    ['a tampered payload', async () => {
      const [h, , s] = (await issuer.issue({ sub: 'u1', roles: ['resident'] })).token.split('.');
      return `${h}.${Buffer.from(JSON.stringify(plazaClaims())).toString('base64url')}.${s}`;
    }, 'signature verification failed'],
  ])('refuses a token that is %s with 401', async (_, make, reason) => {
    const res = await get('/things/admin', await make());
    expect(res.status).toBe(401);
    expect(res.body.message).toBe(`invalid token: ${reason}`);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="plaza", error="invalid_token"/);
    // A bad token is refused on public handlers too, so a client notices instead of acting anonymously.
    expect((await get('/things/open', await make())).status).toBe(401);
  });

  it('refuses other authorization schemes with 401', async () => {
    const res = await request(app.getHttpServer()).get('/things/open').set('authorization', 'Basic dXNlcjpwYXNz');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_request"');
  });

  it('ignores role names it does not know', async () => {
    const token = await new SignJWT({ roles: ['superuser', 'auditor'] })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: keyId(plazaKeys.publicKey) })
      .setIssuer('plaza').setAudience('plaza').setSubject('u1').setIssuedAt().setExpirationTime('10m')
      .sign(plazaKeys.privateKey);
    expect((await get('/auth/me', token)).body).toEqual({ sub: 'u1', roles: ['auditor'] });
  });

  it('does not serve the development identity provider unless asked, and then keeps no signing key', async () => {
    const other = await appWith({ AUTH_SIGNING_KEY: pem(plazaKeys.privateKey), AUTH_DEV_IDP: 'true' });
    try {
      expect((await request(other.getHttpServer()).post('/auth/dev/token').send({ sub: 'x', roles: ['admin'] })).status).toBe(404);
      expect(other.get(TokenIssuer).canIssue).toBe(false);
      await expect(other.get(TokenIssuer).issue({ sub: 'x', roles: ['admin'] })).rejects.toThrow('no signing key');
      // It still verifies development tokens with the public half.
      expect((await request(other.getHttpServer()).get('/things/admin').set('authorization', `Bearer ${await devToken({ roles: ['admin'] })}`)).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('voting-code tokens: their own key, accepted only by the voting service and only where voting is', () => {
  it('are refused (401) by a service without the voting-code key, and (403) on a handler that is not for voting', async () => {
    const voting = await appWith({ AUTH_PUBLIC_KEY: pem(plazaKeys.publicKey), AUTH_VOTING_CODE_KEY: pem(codeKeys.privateKey) }, { issuesVotingCodes: true });
    const proposals = await appWith({ AUTH_PUBLIC_KEY: pem(plazaKeys.publicKey) });
    try {
      const code = { roundId: 'r1', unitId: 'centre', pseudonym: 'ab12' };
      const { token } = await voting.get(TokenIssuer).issueVotingCode({ sub: 'code:ab12', votingCode: code });
      expect(voting.get(TokenIssuer).canIssue).toBe(false);
      const [header] = token.split('.');
      expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toMatchObject({ typ: 'plaza-voting-code+jwt', kid: keyId(codeKeys.publicKey) });
      expect((await request(voting.getHttpServer()).get('/things/vote').set('authorization', `Bearer ${token}`)).body).toEqual({ votingCode: code });
      const notBallot = await request(voting.getHttpServer()).get('/things/propose').set('authorization', `Bearer ${token}`);
      expect(notBallot.status).toBe(403);
      const elsewhere = await request(proposals.getHttpServer()).get('/things/vote').set('authorization', `Bearer ${token}`);
      expect(elsewhere.status).toBe(401);
      expect(elsewhere.body.message).toBe('invalid token: voting-code tokens are accepted only by the voting service');
    } finally {
      await voting.close();
      await proposals.close();
    }
  });

  it('need their own key: required where codes are issued, refused anywhere else, never the development key', () => {
    const problems = (env: Record<string, string>, issuesVotingCodes: boolean) => {
      try {
        authOptionsFromSettings(loadConfig(ServiceConfig, env), { issuesVotingCodes });
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems({ AUTH_PUBLIC_KEY: pem(plazaKeys.publicKey) }, true)).toEqual([expect.stringContaining('AUTH_VOTING_CODE_KEY or AUTH_VOTING_CODE_KEY_FILE is required')]);
    expect(problems({ AUTH_PUBLIC_KEY: pem(plazaKeys.publicKey), AUTH_VOTING_CODE_KEY: pem(codeKeys.privateKey) }, false)).toEqual([expect.stringContaining('only the voting service holds the voting-code key')]);
    expect(problems({ AUTH_PUBLIC_KEY: pem(plazaKeys.publicKey), AUTH_VOTING_CODE_KEY: pem(plazaKeys.privateKey) }, true)).toEqual([expect.stringContaining('must differ from the development key')]);
    expect(problems({ AUTH_VOTING_CODE_KEY: pem(codeKeys.privateKey) }, true)).toEqual([]);
  });
});

describe('a verifying-only service (public key, no signing key)', () => {
  it('accepts tokens of the current and the previous key during a rotation and cannot issue', async () => {
    const app = await appWith({ AUTH_PUBLIC_KEY: pem(otherKeys.publicKey) + pem(plazaKeys.publicKey) });
    try {
      expect(app.get(TokenIssuer).canIssue).toBe(false);
      await expect(app.get(TokenIssuer).issue({ sub: 'x', roles: ['admin'] })).rejects.toThrow('no signing key');
      for (const keys of [plazaKeys, otherKeys]) {
        const token = await new SignJWT({ roles: ['admin'] })
          .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: keyId(keys.publicKey) })
          .setIssuer('plaza').setAudience('plaza').setSubject('u1').setIssuedAt().setExpirationTime('10m')
          .sign(keys.privateKey);
        expect((await request(app.getHttpServer()).get('/things/admin').set('authorization', `Bearer ${token}`)).status).toBe(200);
      }
    } finally {
      await app.close();
    }
  });
});

describe('the development identity provider', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plaza-auth-'));
  const keyFile = join(dir, 'signing-key.pem');
  writeFileSync(keyFile, pem(plazaKeys.privateKey));

  it('issues tokens for any subject and roles when AUTH_DEV_IDP=true, valid on this and other services', async () => {
    const idp = await appWith({ AUTH_SIGNING_KEY_FILE: keyFile, AUTH_DEV_IDP: 'true' }, { devIdentityProvider: true });
    const verifier = await appWith({ AUTH_PUBLIC_KEY: pem(plazaKeys.publicKey) });
    try {
      const res = await request(idp.getHttpServer()).post('/auth/dev/token').send({ sub: 'staff-7', roles: ['staff', 'auditor'] });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['expiresAt', 'token']);
      const me = await request(verifier.getHttpServer()).get('/auth/me').set('authorization', `Bearer ${res.body.token}`);
      expect(me.body).toEqual({ sub: 'staff-7', roles: ['staff', 'auditor'] });
      const bad = await request(idp.getHttpServer()).post('/auth/dev/token').send({ sub: 'x', roles: ['root'], votingCode: {} });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['roles', 'votingCode']);
    } finally {
      await idp.close();
      await verifier.close();
    }
  });

  it('is a 404 when AUTH_DEV_IDP is not true', async () => {
    const app = await appWith({ AUTH_SIGNING_KEY_FILE: keyFile, AUTH_DEV_IDP: 'false' }, { devIdentityProvider: true });
    try {
      expect((await request(app.getHttpServer()).post('/auth/dev/token').send({ sub: 'x', roles: ['admin'] })).status).toBe(404);
    } finally {
      await app.close();
    }
  });
});

describe('an OpenID Connect provider', () => {
  let jwksServer: Server;
  let jwksUrl: string;
  let providerKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  let app: INestApplication;
  const issuerUrl = 'https://id.example.org/realms/city';
  const oidcToken = (claims: object, audience = 'plaza-api', options: { typ?: string; issuer?: string } = {}) =>
    new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'ES256', typ: options.typ ?? 'at+jwt', kid: 'city-1' })
      .setIssuer(options.issuer ?? issuerUrl).setAudience(audience).setSubject('oidc-user-1').setIssuedAt().setExpirationTime('5m')
      .sign(providerKey);

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    providerKey = pair.privateKey;
    const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'city-1', alg: 'ES256', use: 'sig' }] };
    jwksServer = createServer((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)));
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/certs`;
    app = await appWith({
      AUTH_PUBLIC_KEY: pem(plazaKeys.publicKey),
      AUTH_OIDC_ISSUER: issuerUrl,
      AUTH_OIDC_AUDIENCE: 'plaza-api',
      AUTH_OIDC_JWKS_URL: jwksUrl,
      AUTH_OIDC_ROLES_CLAIM: 'realm_access.roles',
    });
  });
  afterAll(async () => {
    await app.close();
    await new Promise((resolve) => jwksServer.close(resolve));
  });

  it('accepts its tokens with roles from the configured claim path, next to Plaza’s own', async () => {
    const token = await oidcToken({ realm_access: { roles: ['staff', 'offline_access'] } });
    const res = await request(app.getHttpServer()).get('/auth/me').set('authorization', `Bearer ${token}`);
    expect(res.body).toEqual({ sub: 'oidc-user-1', roles: ['staff'] });
    expect((await request(app.getHttpServer()).get('/things/review').set('authorization', `Bearer ${token}`)).status).toBe(200);
    expect((await request(app.getHttpServer()).get('/things/admin').set('authorization', `Bearer ${token}`)).status).toBe(403);
  });

  it('refuses its tokens for another audience, another type or another issuer, and never takes a voting code from it', async () => {
    const other = await oidcToken({ realm_access: { roles: ['admin'] } }, 'someone-else');
    expect((await request(app.getHttpServer()).get('/things/admin').set('authorization', `Bearer ${other}`)).body.message).toBe('invalid token: claim "aud" is not valid');
    const typ = await oidcToken({ realm_access: { roles: ['admin'] } }, 'plaza-api', { typ: 'JWT' });
    expect((await request(app.getHttpServer()).get('/things/admin').set('authorization', `Bearer ${typ}`)).body.message).toBe('invalid token: token type (typ header) not accepted here');
    const issuer = await oidcToken({ realm_access: { roles: ['admin'] } }, 'plaza-api', { issuer: 'https://id.example.org/realms/other' });
    expect((await request(app.getHttpServer()).get('/things/admin').set('authorization', `Bearer ${issuer}`)).body.message).toBe('invalid token: issuer not accepted');
    const withCode = await oidcToken({ realm_access: { roles: ['resident'] }, votingCode: { roundId: 'r', unitId: 'u', pseudonym: 'p' } });
    expect((await request(app.getHttpServer()).get('/auth/me').set('authorization', `Bearer ${withCode}`)).body).toEqual({ sub: 'oidc-user-1', roles: ['resident'] });
  });

  it('answers 503 when the provider’s keys cannot be fetched', async () => {
    const unreachable = await appWith({
      AUTH_OIDC_ISSUER: issuerUrl,
      AUTH_OIDC_AUDIENCE: 'plaza-api',
      AUTH_OIDC_JWKS_URL: 'http://127.0.0.1:9/certs',
    });
    try {
      const token = await oidcToken({ realm_access: { roles: ['admin'] } });
      const res = await request(unreachable.getHttpServer()).get('/things/admin').set('authorization', `Bearer ${token}`);
      expect(res.status).toBe(503);
    } finally {
      await unreachable.close();
    }
  });
});

describe('auth configuration', () => {
  const problems = (env: Record<string, string>, needsSigningKey = false): string[] => {
    try {
      authOptionsFromSettings(loadConfig(ServiceConfig, env), { needsSigningKey });
      return [];
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
  };

  it('has no default key: a service that cannot verify tokens does not start', () => {
    expect(problems({})).toEqual([expect.stringContaining('no way to verify tokens')]);
  });

  it('names each bad combination', () => {
    expect(problems({ AUTH_PUBLIC_KEY: pem(plazaKeys.publicKey) }, true)).toEqual([expect.stringContaining('AUTH_SIGNING_KEY or AUTH_SIGNING_KEY_FILE is required')]);
    expect(problems({ AUTH_PUBLIC_KEY: pem(plazaKeys.publicKey), AUTH_OIDC_ISSUER: 'https://id.example' })).toEqual([expect.stringContaining('go together')]);
    expect(problems({ AUTH_SIGNING_KEY: 'x', AUTH_SIGNING_KEY_FILE: '/nonexistent' })).toEqual([expect.stringContaining('set only one of AUTH_SIGNING_KEY')]);
    expect(problems({ AUTH_SIGNING_KEY_FILE: '/nonexistent/key.pem' })).toEqual([expect.stringContaining('AUTH_SIGNING_KEY_FILE: cannot read /nonexistent/key.pem')]);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(problems({ AUTH_PUBLIC_KEY: pem(rsa.publicKey) })).toEqual(['AUTH_PUBLIC_KEY: expected an Ed25519 key, got rsa']);
    expect(() => loadConfig(ServiceConfig, { AUTH_DEV_IDP: 'yes' })).toThrow('AUTH_DEV_IDP must be true or false');
  });

  it('accepts a PEM with literal \\n escapes, as environment variables often carry them', () => {
    const escaped = pem(plazaKeys.privateKey).replace(/\n/g, '\\n');
    const options = authOptionsFromSettings(loadConfig(ServiceConfig, { AUTH_SIGNING_KEY: escaped }), { needsSigningKey: true });
    expect(options.plaza?.signing?.kid).toBe(keyId(plazaKeys.publicKey));
  });
});

describe('OpenAPI', () => {
  it('declares bearer auth and each operation’s access policy', async () => {
    const app = await appWith({ AUTH_PUBLIC_KEY: pem(plazaKeys.publicKey) });
    try {
      const doc = SwaggerModule.createDocument(app, new DocumentBuilder().addBearerAuth().build());
      expect(doc.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(doc.paths['/things/review'].get).toMatchObject({ security: [{ bearer: [] }], 'x-plaza-access': { roles: ['staff', 'auditor'] } });
      expect(doc.paths['/things/open'].get).toMatchObject({ 'x-plaza-access': { public: true } });
      expect(doc.paths['/things/open'].get?.security).toBeUndefined();
      expect(doc.paths['/audited/inherited'].get).toMatchObject({ 'x-plaza-access': { roles: ['auditor'] } });
      expect(doc.paths['/audited/overridden'].get).toMatchObject({ 'x-plaza-access': { public: true } });
      expect(doc.paths['/things/forgotten'].get).not.toHaveProperty('x-plaza-access');
    } finally {
      await app.close();
    }
  });
});
