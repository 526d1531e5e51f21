import 'reflect-metadata';
import { loadWebConfig, type WebConfig } from './config';
import { startWeb } from './web';

let config: WebConfig;
try {
  config = loadWebConfig();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
startWeb(config).then(
  ({ url }) => process.stdout.write(`plaza web listening on ${url}\n`),
  (error: unknown) => {
    process.stderr.write(`plaza web failed to start: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
