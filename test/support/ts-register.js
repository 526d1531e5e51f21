// Loads Plaza's TypeScript sources in a plain `node` child process (tests that run a service's real main.ts as a
// process, without `npm run build`): `node -r ./test/support/ts-register.js apps/voting/src/main.ts`. Each file is
// transpiled alone with the project's compiler options (no type check: `npm run typecheck` does that), and the
// `@plaza/*` paths are mapped as tsconfig.base.json maps them.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const ts = require('typescript');

const root = path.resolve(__dirname, '..', '..');
const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  esModuleInterop: true,
  inlineSourceMap: true,
};

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (request === '@plaza/kafka/nest') request = path.join(root, 'libs/kafka/src/nest');
  else if (/^@plaza\/[a-z-]+$/.test(request)) request = path.join(root, 'libs', request.slice('@plaza/'.length), 'src');
  return resolve.call(this, request, parent, ...rest);
};

// Transpiled files are cached by content hash (several processes of one test transpile the same sources).
const cacheDir = path.join(require('node:os').tmpdir(), 'plaza-ts-register');
fs.mkdirSync(cacheDir, { recursive: true });

require.extensions['.ts'] = function (module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const key = require('node:crypto').createHash('sha256').update(`${ts.version}\0${filename}\0${source}`).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  let output;
  try {
    output = fs.readFileSync(cached, 'utf8');
  } catch {
    output = ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText;
    const tmp = `${cached}.${process.pid}`;
    fs.writeFileSync(tmp, output);
    fs.renameSync(tmp, cached);
  }
  module._compile(output, filename);
};
