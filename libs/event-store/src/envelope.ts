// libs/contracts has no index yet, so `@plaza/contracts` does not resolve; this type-only re-export (erased at
// compile time) points at the one envelope definition until it does. Replace with '@plaza/contracts' then.
export type { EventEnvelope } from '../../contracts/src/envelope';
