#!/usr/bin/env node
// The `plaza` command. Build first (npm run build); this only loads the compiled CLI.
const path = require('node:path');
const fs = require('node:fs');
const root = path.join(__dirname, '..', '..', '..');
const main = path.join(root, 'dist', 'apps', 'cli', 'src', 'main.js');
if (!fs.existsSync(main)) {
  process.stderr.write('plaza: the CLI is not built yet; run `npm run build` in ' + root + '\n');
  process.exit(2);
}
require(main);
