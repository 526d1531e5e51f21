/**
 * `node:fs` for the browser build (vite.config.mts aliases it here): libs/pabulib's index re-exports its file
 * helpers, which the browser never calls. They throw if anything ever does.
 */
function unavailable(name: string): never {
  throw new Error(`node:fs ${name} is not available in the browser`);
}

export const readFileSync = (): never => unavailable('readFileSync');
export const writeFileSync = (): never => unavailable('writeFileSync');
export const existsSync = (): never => unavailable('existsSync');

export default { readFileSync, writeFileSync, existsSync };
