import { applyDecorators, createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';

/** Who a caller is. Residents vote and propose; staff review; administrators configure; auditors inspect. */
export const ROLES = ['admin', 'staff', 'auditor', 'resident'] as const;
export type Role = (typeof ROLES)[number];

/** The authenticated caller, from a verified bearer token. */
export interface Caller {
  /** Stable subject id from the identity provider (for residents: the identity the voter roll knows). */
  readonly sub: string;
  readonly roles: readonly Role[];
  /** Set when the resident signed in with a single-use voting code: the round and district it is for. */
  readonly votingCode?: { readonly roundId: string; readonly unitId: string; readonly pseudonym: string };
  /** The token's `email` claim, when it has one (not when the provider says `email_verified: false`). */
  readonly email?: string;
}

export const ROLES_KEY = 'plaza:roles';
export const PUBLIC_KEY = 'plaza:public';
export const VOTING_CODE_KEY = 'plaza:voting-code';

/** The OpenAPI extension carrying each operation's access policy (the role-matrix test reads it). */
export const ACCESS_EXTENSION = 'x-plaza-access';

/**
 * The roles allowed to call a handler (or every handler of a controller; a handler's own decorator wins).
 * Every handler has either @Roles(...) or @Public(): the guard denies the rest.
 */
export const Roles = (role: Role, ...more: Role[]) => {
  const roles = [role, ...more];
  return applyDecorators(
    SetMetadata(ROLES_KEY, roles),
    ApiBearerAuth(),
    ApiExtension(ACCESS_EXTENSION, { roles }),
    ApiUnauthorizedResponse({ description: 'No bearer token, or an invalid or expired one' }),
    ApiForbiddenResponse({ description: `The token has none of the roles: ${roles.join(', ')}` }),
  );
};

/** Callable without a token (public listings, results, ledger, health); a valid token still sets the caller. */
export const Public = () => applyDecorators(SetMetadata(PUBLIC_KEY, true), ApiExtension(ACCESS_EXTENSION, { public: true }));

/**
 * Lets a voting-code token (Caller.votingCode set) through this handler's @Roles('resident'). A voting
 * code is a single-purpose credential: without this decorator the guard refuses it with 403, so a code
 * cannot be used to propose, edit or read anything but what voting needs.
 */
export const AcceptsVotingCode = () =>
  applyDecorators(SetMetadata(VOTING_CODE_KEY, true), ApiExtension('x-plaza-voting-code', true));

/** The caller the guard verified (undefined on @Public() handlers without a token). */
export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller | undefined => {
  return ctx.switchToHttp().getRequest<{ caller?: Caller }>().caller;
});

export type AccessPolicy =
  | { readonly kind: 'public' }
  | { readonly kind: 'roles'; readonly roles: readonly Role[] }
  /** Neither decorator, or both on the same level: a programming error, denied. */
  | { readonly kind: 'undeclared' }
  | { readonly kind: 'ambiguous' };

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Nest's own type for handlers and controller classes
type Target = Function;

function declared(reflector: Reflector, target: Target): AccessPolicy | undefined {
  const roles = reflector.get<Role[] | undefined>(ROLES_KEY, target);
  const isPublic = reflector.get<boolean | undefined>(PUBLIC_KEY, target) === true;
  if (roles && isPublic) return { kind: 'ambiguous' };
  if (isPublic) return { kind: 'public' };
  if (roles) return roles.length > 0 ? { kind: 'roles', roles } : { kind: 'ambiguous' };
  return undefined;
}

/** The access policy of a handler: its own decorator, else its controller's. */
export function accessPolicy(reflector: Reflector, handler: Target, controller: Target): AccessPolicy {
  return declared(reflector, handler) ?? declared(reflector, controller) ?? { kind: 'undeclared' };
}
