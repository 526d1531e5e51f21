import { Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { APP_GUARD, DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { AUTH_OPTIONS } from './auth.constants';
import { AuthController, DevTokenController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { authOptionsFromSettings, type AuthOptions } from './auth.options';
import type { AuthSettings } from './auth.settings';
import { accessPolicy } from './roles';
import { TokenIssuer } from './token-issuer';
import { TokenVerifier } from './token-verifier';

export interface AuthModuleOptions {
  /** This service hosts the development identity provider (served only when AUTH_DEV_IDP=true). */
  readonly devIdentityProvider?: boolean;
  /**
   * This service signs and accepts voting-code tokens (the voting service): boot fails without
   * AUTH_VOTING_CODE_KEY(_FILE); every other service refuses to hold that key and to accept such a token.
   */
  readonly issuesVotingCodes?: boolean;
}

/** At boot, names every handler without an access policy, so the mistake shows before a request is denied. */
@Injectable()
class AccessPolicyAudit implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.devIdentityProvider) {
      this.logger.warn('AUTH_DEV_IDP=true: POST /auth/dev/token hands out tokens for any role without a password (development only)');
    }
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) continue;
      for (const name of this.scanner.getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name] as object;
        if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        const policy = accessPolicy(this.reflector, handler as () => unknown, controller);
        if (policy.kind === 'undeclared' || policy.kind === 'ambiguous') {
          this.logger.error(`${controller.name}.${name} declares ${policy.kind === 'undeclared' ? 'neither @Roles nor @Public' : 'both @Roles and @Public'}: every request to it is denied`);
        }
      }
    }
  }
}

/**
 * Bearer-token authentication and role checks for one service: a global guard (every handler declares
 * @Public() or @Roles(...)), TokenVerifier, TokenIssuer (exported, global), GET /auth/me and, where
 * asked and enabled, the development identity provider. Throws ConfigError at registration when the
 * settings cannot verify tokens.
 */
@Module({})
export class AuthModule {
  static forRoot(settings: AuthSettings, options: AuthModuleOptions = {}): DynamicModule {
    const serveDevIdp = options.devIdentityProvider === true && settings.AUTH_DEV_IDP;
    const auth = authOptionsFromSettings(settings, { needsSigningKey: serveDevIdp, issuesVotingCodes: options.issuesVotingCodes === true });
    return {
      module: AuthModule,
      global: true,
      imports: [DiscoveryModule],
      controllers: [AuthController, ...(serveDevIdp ? [DevTokenController] : [])],
      providers: [
        { provide: AUTH_OPTIONS, useValue: { ...auth, devIdentityProvider: serveDevIdp } satisfies AuthOptions },
        TokenVerifier,
        TokenIssuer,
        AccessPolicyAudit,
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
      exports: [TokenVerifier, TokenIssuer],
    };
  }
}
