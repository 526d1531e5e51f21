import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../cli';
import { CliError, EXIT_OK } from '../cli-error';
import { BUNDLE_FORMAT, MANIFEST_FILE, type BundleManifest } from '@plaza/bundle';

interface ExportFlags {
  out: string;
  url: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SAFE_NAME = /^[a-z0-9][a-z0-9.-]{0,80}$/;

export function registerAuditExport(program: Command, ctx: CommandContext): void {
  const audit = program.commands.find((c) => c.name() === 'audit') ?? program.command('audit').description('Work with the audit service');
  audit
    .command('export')
    .description(
      "Download a round's audit bundle from the audit service into a directory: ledger entries, checkpoints, public key,\n" +
        'declared results and Pabulib ballots, each checked against the manifest digest. Check it with `plaza verify DIR`.',
    )
    .argument('<roundId>', 'the round')
    .requiredOption('--out <dir>', 'directory to create (must not exist or be empty)')
    .option('--url <url>', 'audit service', process.env['AUDIT_URL'] ?? 'http://127.0.0.1:3003')
    .action(async (roundId: string, flags: ExportFlags) => {
      const text = await exportBundle(roundId, flags, (line) => ctx.io.err(`plaza audit export: ${line}\n`));
      ctx.io.out(text);
      ctx.setExitCode(EXIT_OK);
    });
}

async function get(url: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new CliError(`GET ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new CliError(`GET ${url}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
  return res;
}

export async function exportBundle(roundId: string, flags: ExportFlags, progress: (line: string) => void = () => undefined): Promise<string> {
  if (!UUID.test(roundId)) throw new CliError(`${roundId} is not a round id`);
  if (existsSync(flags.out) && readdirSync(flags.out).length > 0) throw new CliError(`${flags.out} exists and is not empty`);
  const base = `${flags.url.replace(/\/+$/, '')}/rounds/${roundId}/bundle`;
  const manifestText = await (await get(base)).text();
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(manifestText) as BundleManifest;
  } catch {
    throw new CliError(`${base} did not answer with a bundle manifest`);
  }
  if (manifest.format !== BUNDLE_FORMAT || !Array.isArray(manifest.files)) throw new CliError(`${base} did not answer with a ${BUNDLE_FORMAT} manifest`);
  mkdirSync(flags.out, { recursive: true });
  const size = manifest.latestCheckpoint.size;
  for (const f of manifest.files) {
    if (!SAFE_NAME.test(f.name)) throw new CliError(`the manifest names an unsafe file ${JSON.stringify(f.name)}`);
    const res = await get(`${base}/${encodeURIComponent(f.name)}?size=${size}`);
    const hash = createHash('sha256');
    let bytes = 0;
    const out = createWriteStream(join(flags.out, f.name));
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      bytes += chunk.length;
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    const sha256 = hash.digest('hex');
    if (sha256 !== f.sha256 || bytes !== f.bytes) throw new CliError(`${f.name}: downloaded ${bytes} bytes with SHA-256 ${sha256}, the manifest says ${f.bytes} bytes ${f.sha256}`);
    progress(`${f.name} ${bytes} bytes`);
  }
  // Written last, so a directory with a manifest holds a complete download.
  writeFileSync(join(flags.out, MANIFEST_FILE), manifestText);
  return (
    `exported round ${roundId} at checkpoint ${size} (${manifest.ledgerSize} ledger entries, ${manifest.roundEntries} of this round, ` +
    `${manifest.checkpoints} checkpoints) to ${flags.out}\nverify it with: plaza verify ${flags.out}\n`
  );
}
