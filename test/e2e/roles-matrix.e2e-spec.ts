import { generateKeyPairSync } from 'node:crypto';
import { RequestMethod, type INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ACCESS_EXTENSION, accessPolicy, ROLES, VOTING_CODE_KEY, type AccessPolicy, type Role } from '@plaza/nest-runtime';
import { signJwt, TEST_KEY_ID, tokenFor, votingCodeToken } from '../support/auth';
import { http, Stack, type ServiceName } from '../support/stack';

interface Route {
  readonly method: string;
  /** Express syntax, e.g. `/rounds/:roundId`. */
  readonly path: string;
  readonly policy: AccessPolicy;
  /** @AcceptsVotingCode(): a voting-code token passes @Roles('resident') here. */
  readonly acceptsVotingCode: boolean;
}

type OpenApiDocument = { paths: Record<string, Record<string, Record<string, unknown> & { security?: unknown[] }>> };

const SERVICES: ServiceName[] = ['proposals', 'voting', 'audit'];
/** Any well-formed id: a path parameter that names nothing gives 404 or 400, which still proves the guard let the call through. */
const SOME_ID = '01a213b9-e160-74c6-922f-0c4fc84cb309';

const joinPath = (...parts: string[]) => `/${parts.join('/')}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
const asList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : [String(value ?? '')]);

/**
 * Every route handler of the running application, read from Nest's own registry at runtime (not from a
 * list kept by hand), so an endpoint added tomorrow is in the matrix without anyone touching this file.
 */
function nestRoutes(app: INestApplication): Route[] {
  const discovery = app.get(DiscoveryService, { strict: false });
  const scanner = app.get(MetadataScanner, { strict: false });
  const reflector = app.get(Reflector, { strict: false });
  return discovery.getControllers().flatMap((wrapper) => {
    const controller = wrapper.metatype as unknown as (new () => object) | null;
    if (!controller) return [];
    const prototype = controller.prototype as Record<string, () => unknown>;
    return scanner.getAllMethodNames(prototype).flatMap((name) => {
      const handler = prototype[name];
      const method: RequestMethod | undefined = Reflect.getMetadata(METHOD_METADATA, handler);
      if (method === undefined || Reflect.getMetadata(PATH_METADATA, handler) === undefined) return [];
      return asList(Reflect.getMetadata(PATH_METADATA, controller)).flatMap((base) =>
        asList(Reflect.getMetadata(PATH_METADATA, handler)).map((path) => ({
          method: RequestMethod[method],
          path: joinPath(base, path),
          policy: accessPolicy(reflector, handler, controller),
          acceptsVotingCode: reflector.getAllAndOverride<boolean | undefined>(VOTING_CODE_KEY, [handler, controller]) === true,
        })),
      );
    });
  });
}

/** What Express really mounts: each route layer's method and path. */
function mountedRoutes(app: INestApplication): { method: string; path: string }[] {
  const layers: { route?: { path: string; methods: Record<string, boolean> } }[] = app.getHttpAdapter().getInstance().router.stack;
  return layers.flatMap((layer) =>
    layer.route ? Object.keys(layer.route.methods).filter((m) => m !== '_all').map((m) => ({ method: m.toUpperCase(), path: layer.route!.path })) : [],
  );
}

const isDocs = (path: string) => path === '/docs' || path.startsWith('/docs/') || path.startsWith('/docs-');
/** The request logger (nestjs-pino) is middleware Nest mounts for every method on this path. */
const isCatchAllMiddleware = (path: string) => path === '/{*path}';
const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
const concrete = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, SOME_ID);
const label = (service: ServiceName, route: { method: string; path: string }) => `${service} ${route.method} ${route.path}`;

describe('role matrix: every endpoint of every service × every role', () => {
  const stack = new Stack();
  const routes = new Map<ServiceName, Route[]>();
  const documents = new Map<ServiceName, OpenApiDocument>();

  beforeAll(async () => {
    await stack.start();
    for (const service of SERVICES) {
      routes.set(service, nestRoutes(stack.app(service)));
      const doc = await http('GET', `${stack.url(service)}/docs/openapi.json`);
      expect(doc.status).toBe(200);
      documents.set(service, doc.body);
    }
  });
  afterAll(() => stack.destroy());

  const operation = (service: ServiceName, route: { method: string; path: string }) =>
    documents.get(service)!.paths[openApiPath(route.path)]?.[route.method.toLowerCase()];

  it('finds the routes (the enumeration itself works)', () => {
    const all = SERVICES.flatMap((s) => routes.get(s)!.map((r) => label(s, r)));
    expect(all).toEqual(
      expect.arrayContaining(['proposals POST /rounds', 'proposals GET /health/live', 'proposals POST /auth/dev/token', 'voting GET /auth/me', 'audit GET /ledger']),
    );
    expect(all.length).toBeGreaterThanOrEqual(15);
  });

  it('has every route declare exactly one of @Roles(...) or @Public(), and OpenAPI and Express agree with Nest', () => {
    const problems: string[] = [];
    for (const service of SERVICES) {
      const known = new Set(routes.get(service)!.map((r) => `${r.method} ${r.path}`));
      for (const route of routes.get(service)!) {
        const where = label(service, route);
        if (route.policy.kind === 'undeclared') problems.push(`${where}: neither @Roles nor @Public`);
        if (route.policy.kind === 'ambiguous') problems.push(`${where}: both @Roles and @Public (or an empty @Roles)`);
        const op = operation(service, route);
        if (!op) {
          problems.push(`${where}: missing from the OpenAPI document`);
          continue;
        }
        const stated = op[ACCESS_EXTENSION] as { public?: true; roles?: Role[] } | undefined;
        const expected = route.policy.kind === 'public' ? { public: true } : route.policy.kind === 'roles' ? { roles: route.policy.roles } : undefined;
        if (JSON.stringify(stated) !== JSON.stringify(expected)) problems.push(`${where}: OpenAPI states ${JSON.stringify(stated)}, the guard enforces ${JSON.stringify(expected)}`);
        if ((op['x-plaza-voting-code'] === true) !== route.acceptsVotingCode) problems.push(`${where}: OpenAPI and the guard disagree on voting codes`);
        if (route.policy.kind === 'roles' && !JSON.stringify(op.security ?? []).includes('"bearer"')) problems.push(`${where}: guarded but OpenAPI shows no bearer security`);
      }
      for (const [path, ops] of Object.entries(documents.get(service)!.paths)) {
        for (const method of Object.keys(ops)) {
          const expressPath = path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
          if (!known.has(`${method.toUpperCase()} ${expressPath}`)) problems.push(`${service}: OpenAPI lists ${method.toUpperCase()} ${path}, which Nest does not route`);
        }
      }
      // A route mounted on Express behind Nest's back would bypass the guard.
      for (const mounted of mountedRoutes(stack.app(service))) {
        if (!known.has(`${mounted.method} ${mounted.path}`) && !isDocs(mounted.path) && !isCatchAllMiddleware(mounted.path)) {
          problems.push(`${label(service, mounted)}: mounted on Express outside Nest (no guard)`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('answers each route: no token → 401 unless public; each role and a voting code → allowed or 403 exactly as declared', async () => {
    const votingCode = votingCodeToken({ roundId: SOME_ID, unitId: 'centre', pseudonym: 'ab'.repeat(32) }, 'code:matrix');
    const mismatches: string[] = [];
    const matrix: string[] = [];
    for (const service of SERVICES) {
      for (const route of routes.get(service)!) {
        const { policy } = route;
        if (policy.kind !== 'public' && policy.kind !== 'roles') continue; // reported by the previous test
        const url = `${stack.url(service)}${concrete(route.path)}`;
        const body = ['POST', 'PUT', 'PATCH'].includes(route.method) ? {} : undefined;
        const anonymous = await http(route.method, url, body);
        const expectAnonymous = policy.kind === 'public' ? 'allowed' : '401';
        const gotAnonymous = anonymous.status === 401 ? '401' : anonymous.status === 403 ? '403' : 'allowed';
        if (gotAnonymous !== expectAnonymous) mismatches.push(`${label(service, route)} without a token: ${anonymous.status}, expected ${expectAnonymous}`);
        if (anonymous.status === 401 && anonymous.body?.message !== 'authentication required: send "Authorization: Bearer <token>"') {
          mismatches.push(`${label(service, route)}: 401 without the message saying how to authenticate`);
        }
        const cells: string[] = [];
        for (const role of ROLES) {
          const res = await http(route.method, url, body, { token: tokenFor(role) });
          const allowed = policy.kind === 'public' || policy.roles.includes(role);
          const ok = allowed ? res.status !== 401 && res.status !== 403 : res.status === 403;
          if (!ok) mismatches.push(`${label(service, route)} as ${role}: ${res.status}, expected ${allowed ? 'allowed' : '403'}`);
          cells.push(allowed ? role : '-'.repeat(role.length));
        }
        // Voting-code tokens are signed with the voting service's own key: every other service refuses them (401).
        const codeAllowed = service === 'voting' && (policy.kind === 'public' || (policy.roles.includes('resident') && route.acceptsVotingCode));
        const codeRefusal = service === 'voting' ? 403 : 401;
        const withCode = await http(route.method, url, body, { token: votingCode });
        if (codeAllowed ? withCode.status === 401 || withCode.status === 403 : withCode.status !== codeRefusal) {
          mismatches.push(`${label(service, route)} with a voting code: ${withCode.status}, expected ${codeAllowed ? 'allowed' : codeRefusal}`);
        }
        cells.push(codeAllowed ? 'voting-code' : '-----------');
        matrix.push(`${label(service, route).padEnd(64)} ${policy.kind === 'public' ? 'public' : cells.join(' ')}`);
      }
    }
    if (process.env.PRINT_ROLE_MATRIX) process.stdout.write(`${matrix.join('\n')}\n`);
    expect(mismatches).toEqual([]);
    expect(matrix.length).toBeGreaterThanOrEqual(15);
  });

  it('serves the API documents and health without a token', async () => {
    for (const service of SERVICES) {
      expect((await http('GET', `${stack.url(service)}/docs/openapi.json`)).status).toBe(200);
      expect((await fetch(`${stack.url(service)}/docs`)).status).toBe(200);
      expect((await http('GET', `${stack.url(service)}/health/live`)).status).toBe(200);
      const doc = documents.get(service) as unknown as { components: { securitySchemes: Record<string, unknown> } };
      expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    }
  });

  describe('tokens every service refuses with 401', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const claims = (extra: Record<string, unknown> = {}) => ({ iss: 'plaza', aud: 'plaza', sub: 'mallory', roles: [...ROLES], iat: now(), exp: now() + 600, ...extra });
    const stranger = generateKeyPairSync('ed25519').privateKey;
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const cases: [string, () => string][] = [
      ['expired', () => signJwt(claims({ iat: now() - 7200, exp: now() - 3600 }))],
      ['forged (another key, our key id)', () => signJwt(claims(), { key: stranger })],
      ['signed by a key the services do not know', () => signJwt(claims(), { key: stranger, header: { kid: 'stranger' } })],
      ['alg none', () => `${b64({ alg: 'none', typ: 'JWT', kid: TEST_KEY_ID })}.${b64(claims())}.`],
      ['for another audience', () => signJwt(claims({ aud: 'elsewhere' }))],
      ['from another issuer', () => signJwt(claims({ iss: 'https://idp.example' }))],
      ['of another type (typ at+jwt on a development token)', () => signJwt(claims(), { header: { typ: 'at+jwt' } })],
      ['a development token carrying a voting code', () => signJwt(claims({ roles: ['resident'], votingCode: { roundId: SOME_ID, unitId: 'centre', pseudonym: 'ab'.repeat(32) } }))],
      ['a voting-code token signed with the development key', () => signJwt(claims({ aud: 'plaza-voting', roles: ['resident'], votingCode: { roundId: SOME_ID, unitId: 'centre', pseudonym: 'ab'.repeat(32) } }), { header: { typ: 'plaza-voting-code+jwt' } })],
      ['tampered (roles raised after signing)', () => {
        const [header, , signature] = tokenFor('resident', 'mallory').split('.');
        return `${header}.${b64(claims())}.${signature}`;
      }],
    ];

    it.each(cases)('%s', async (_, make) => {
      for (const service of SERVICES) {
        const res = await http('GET', `${stack.url(service)}/auth/me`, undefined, { token: make() });
        expect([service, res.status, res.body.message]).toEqual([service, 401, expect.stringMatching(/^invalid token: /)]);
      }
    });
  });

  it('accepts a token from the development identity provider on every service (audit verifies with the public key only)', async () => {
    const issued = await http('POST', `${stack.url('proposals')}/auth/dev/token`, { sub: 'staff-42', roles: ['staff', 'auditor'] });
    expect(issued.status).toBe(200);
    expect(Date.parse(issued.body.expiresAt)).toBeGreaterThan(Date.now());
    for (const service of SERVICES) {
      const me = await http('GET', `${stack.url(service)}/auth/me`, undefined, { token: issued.body.token });
      expect(me.body).toEqual({ sub: 'staff-42', roles: ['staff', 'auditor'] });
    }
    expect((await http('POST', `${stack.url('voting')}/auth/dev/token`, { sub: 'x', roles: ['admin'] })).status).toBe(404);
  });
});
