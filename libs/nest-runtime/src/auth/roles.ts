import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';

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
}

export const ROLES_KEY = 'plaza:roles';
export const PUBLIC_KEY = 'plaza:public';

/** The roles allowed to call a handler. Every handler has either @Roles(...) or @Public(): the guard denies the rest. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** Callable without a token (public listings, results, ledger, health). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The caller the guard verified (undefined on @Public() handlers without a token). */
export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller | undefined => {
  return ctx.switchToHttp().getRequest<{ caller?: Caller }>().caller;
});
