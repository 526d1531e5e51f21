/** Injection token of the resolved AuthOptions. */
export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');
