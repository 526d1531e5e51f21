import { readFileSync } from 'node:fs';

const SECRETS = new WeakMap<object, Set<string>>();

/**
 * Marks a config variable as a secret: it may be given as `<NAME>_FILE`, the path of a file holding the value
 * (Docker secrets, Kubernetes secret volumes), instead of in the environment. Setting both is refused.
 */
export function Secret(): PropertyDecorator {
  return (target, property) => {
    const names = SECRETS.get(target) ?? new Set<string>();
    names.add(String(property));
    SECRETS.set(target, names);
  };
}

/** Every variable marked @Secret() on a config class and the classes it extends. */
export function secretNames(cls: abstract new () => unknown): string[] {
  const names = new Set<string>();
  for (let proto: object | null = cls.prototype as object; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of SECRETS.get(proto) ?? []) names.add(name);
  }
  return [...names].sort();
}

/**
 * Replaces each secret's `<NAME>_FILE` by the file's contents (one trailing newline dropped, as `echo` and
 * `docker secret create` leave one). Returns the environment to validate and the problems met, each naming
 * the variable.
 */
export function readSecretFiles(
  names: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): { env: Record<string, string | undefined>; problems: string[] } {
  const out: Record<string, string | undefined> = { ...env };
  const problems: string[] = [];
  for (const name of names) {
    const file = env[`${name}_FILE`];
    if (file === undefined || file === '') continue;
    if (env[name] !== undefined && env[name] !== '') {
      problems.push(`set only one of ${name} and ${name}_FILE`);
      continue;
    }
    try {
      out[name] = read(file).replace(/\r?\n$/, '');
    } catch (error) {
      problems.push(`${name}_FILE: cannot read ${file}: ${(error as Error).message}`);
    }
    delete out[`${name}_FILE`];
  }
  return { env: out, problems };
}
