/** The audit bundle: its format (version 1), the builder the audit service uses, and the offline verifier. */
export * from './ballot-shape';
export * from './build';
export * from './checks';
export * from './format';
export * from './insider-actions';
export * from './round-audit';
export * from './synthetic';
export * from './verify-bundle';
export * from './verify-core';
