// Entry point of the `plaza` binary (apps/cli/bin/plaza.js loads the compiled file).
import { run } from './cli';

void run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
