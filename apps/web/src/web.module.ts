import { Controller, Get, Header, HttpException, HttpStatus, Inject, Module, type DynamicModule } from '@nestjs/common';
import { loggingModule } from '@plaza/nest-runtime';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { WebConfig } from './config';

export const WEB_CONFIG = Symbol('WEB_CONFIG');

/** Upstream APIs the browser reaches through this origin: /api/<name>/… → <url>/…, each with one URL per instance. */
export function upstreams(config: WebConfig): Record<'proposals' | 'voting' | 'audit', readonly string[]> {
  return { proposals: config.PROPOSALS_URL, voting: config.VOTING_URL, audit: config.AUDIT_URL };
}

@Controller('health')
class WebHealthController {
  constructor(@Inject(WEB_CONFIG) private readonly config: WebConfig) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /**
   * Ready when the UI is built and every API it forwards to answers its own readiness check (with several
   * instances: at least one of them; the others' troubles are in `message`).
   */
  @Get('ready')
  async ready() {
    const details: Record<string, { status: 'up' | 'down'; message?: string }> = {
      ui: existsSync(join(this.config.WEB_UI_DIR, 'index.html'))
        ? { status: 'up' }
        : { status: 'down', message: `no index.html in ${this.config.WEB_UI_DIR} (run npm run build)` },
    };
    await Promise.all(
      Object.entries(upstreams(this.config)).map(async ([name, urls]) => {
        const problems = (
          await Promise.all(
            urls.map(async (url) => {
              try {
                const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(3000) });
                return res.ok ? undefined : `${url}/health/ready answered ${res.status}`;
              } catch (error) {
                return `${url}: ${(error as Error).message}`;
              }
            }),
          )
        ).filter((p): p is string => p !== undefined);
        details[name] = problems.length < urls.length ? { status: 'up', ...(problems.length ? { message: problems.join('; ') } : {}) } : { status: 'down', message: problems.join('; ') };
      }),
    );
    const ok = Object.values(details).every((d) => d.status === 'up');
    const body = { status: ok ? 'ok' : 'error', details };
    if (!ok) throw new HttpException(body, HttpStatus.SERVICE_UNAVAILABLE);
    return body;
  }
}

/** GET /auth/config.json: what the browser's OpenID Connect client needs (no secret: a public client with PKCE). */
@Controller('auth')
class AuthConfigController {
  constructor(@Inject(WEB_CONFIG) private readonly config: WebConfig) {}

  @Get('config.json')
  @Header('cache-control', 'no-cache')
  authConfig() {
    const c = this.config;
    if (!c.AUTH_OIDC_ISSUER) return {};
    return {
      oidc: {
        authority: c.AUTH_OIDC_ISSUER,
        clientId: c.AUTH_OIDC_CLIENT_ID,
        scope: c.AUTH_OIDC_SCOPE,
        rolesClaim: c.AUTH_OIDC_ROLES_CLAIM,
        ...(c.AUTH_OIDC_DISPLAY_NAME ? { displayName: c.AUTH_OIDC_DISPLAY_NAME } : {}),
      },
    };
  }
}

@Module({})
export class WebModule {
  static register(config: WebConfig): DynamicModule {
    return {
      module: WebModule,
      imports: [loggingModule(config.LOG_LEVEL, 'web')],
      controllers: [WebHealthController, AuthConfigController],
      providers: [{ provide: WEB_CONFIG, useValue: config }],
    };
  }
}
