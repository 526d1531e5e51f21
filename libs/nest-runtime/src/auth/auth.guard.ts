import {
  ForbiddenException,
  Injectable,
  Logger,
  ServiceUnavailableException,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { accessPolicy, VOTING_CODE_KEY, type Caller } from './roles';
import { IdentityProviderUnavailable, InvalidToken, TokenVerifier } from './token-verifier';

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
const REALM = 'realm="plaza"';

/**
 * The global guard (APP_GUARD): every handler declares @Public() or @Roles(...); a handler with neither
 * is denied and logged as a programming error (fail closed). A presented token must be valid even on a
 * public handler, so a client with an expired token learns it (401) instead of silently acting anonymously.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Only HTTP reaches Nest handlers in Plaza (Kafka consumers are not Nest microservices): deny anything else.
    if (context.getType() !== 'http') return false;
    const request = context.switchToHttp().getRequest<Request & { caller?: Caller }>();
    const response = context.switchToHttp().getResponse<Response>();
    const policy = accessPolicy(this.reflector, context.getHandler(), context.getClass());
    if (policy.kind === 'undeclared' || policy.kind === 'ambiguous') {
      const where = `${context.getClass().name}.${context.getHandler().name}`;
      this.logger.error(`${where} (${request.method} ${request.route?.path ?? request.path}) declares ${policy.kind === 'undeclared' ? 'neither @Roles nor @Public' : 'both @Roles and @Public'}: denied`);
      throw new ForbiddenException('this endpoint declares no access policy, so it is closed (a server bug)');
    }

    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = BEARER.exec(header);
      if (!match) this.unauthorized(response, 'invalid_request', 'the Authorization header must be "Bearer <token>"');
      try {
        request.caller = await this.verifier.verify(match![1]);
      } catch (error) {
        if (error instanceof InvalidToken) this.unauthorized(response, 'invalid_token', error.message);
        if (error instanceof IdentityProviderUnavailable) {
          this.logger.error(error.message);
          throw new ServiceUnavailableException('the identity provider cannot be reached; try again later');
        }
        throw error;
      }
    }
    if (policy.kind === 'public') return true;

    const caller = request.caller;
    if (!caller) {
      response.setHeader('WWW-Authenticate', `Bearer ${REALM}`);
      throw new UnauthorizedException('authentication required: send "Authorization: Bearer <token>"');
    }
    if (!policy.roles.some((role) => caller.roles.includes(role))) {
      response.setHeader('WWW-Authenticate', `Bearer ${REALM}, error="insufficient_scope"`);
      const has = caller.roles.length > 0 ? `the token has ${caller.roles.join(', ')}` : 'the token has no Plaza role';
      throw new ForbiddenException(`requires one of the roles ${policy.roles.join(', ')}; ${has}`);
    }
    if (caller.votingCode && !this.reflector.getAllAndOverride<boolean | undefined>(VOTING_CODE_KEY, [context.getHandler(), context.getClass()])) {
      response.setHeader('WWW-Authenticate', `Bearer ${REALM}, error="insufficient_scope"`);
      throw new ForbiddenException('a voting-code token is only good for voting; sign in as a resident for anything else');
    }
    return true;
  }

  private unauthorized(response: Response, error: string, description: string): never {
    response.setHeader('WWW-Authenticate', `Bearer ${REALM}, error="${error}", error_description="${description.replace(/"/g, "'")}"`);
    throw new UnauthorizedException(description);
  }
}
