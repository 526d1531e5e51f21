import { join } from 'node:path';
import type { Command } from 'commander';
import { formatWarnings } from '@plaza/pabulib';
import type { CommandContext } from '../cli';
import { CliError, EXIT_MISMATCH, EXIT_OK } from '../cli-error';
import { loadPb } from './tally';
import { HttpClient, retryReporter } from '../import/http';
import { ImportPlanError, planImport, type ImportPlan } from '../import/plan';
import { PlazaApi } from '../import/plaza-api';
import { runImport, type ImportOutcome } from '../import/run-import';
import { CachedTokens, DevIdpTokens, findDevKey, LocalSigner, type TokenSource } from '../import/tokens';

interface ImportFlags {
  json?: boolean;
  proposals: string;
  voting: string;
  audit: string;
  concurrency: string;
  rule?: string;
  currency?: string;
  devKey?: string;
  devIdp?: boolean;
  timeout: string;
  leaveOpen?: boolean;
  alsoRegister?: string;
  name?: string;
  strict?: boolean;
}

const ROOT = join(__dirname, '..', '..', '..', '..', '..');

export function registerImport(program: Command, ctx: CommandContext): void {
  program
    .command('import')
    .description(
      'Replay a Pabulib .pb election through the running Plaza services: round, proposals, voter roll, every ballot,\n' +
        "close, and the declared winners compared with the file's selected column.\n" +
        'Exit codes: 0 equal (or no selected column), 1 different, 2 error.',
    )
    .argument('<file>', 'the .pb file')
    .option('--json', 'print the outcome as JSON (progress goes to stderr)')
    .option('--proposals <url>', 'proposals service', process.env['PROPOSALS_URL'] ?? 'http://127.0.0.1:3001')
    .option('--voting <url>', 'voting service', process.env['VOTING_URL'] ?? 'http://127.0.0.1:3002')
    .option('--audit <url>', "audit service: its independent recount is reported", process.env['AUDIT_URL'] ?? 'http://127.0.0.1:3003')
    .option('--concurrency <n>', 'ballots in flight at once', '32')
    .option('--rule <rule>', "outcome rule instead of the file's META rule (needed when it is unknown)")
    .option('--currency <code>', 'ISO 4217 currency when the file has none')
    .option('--dev-key <file>', 'the development signing key (PKCS#8 PEM); default: AUTH_SIGNING_KEY_FILE or .plaza/dev-auth/')
    .option('--dev-idp', 'get every token from POST /auth/dev/token instead of signing with the dev key')
    .option('--timeout <seconds>', 'how long to wait for the voting service to catch up and declare', '600')
    .option('--leave-open', 'cast the ballots but leave voting open (a demo round) instead of closing and comparing')
    .option('--also-register <ids>', 'comma-separated resident ids to put on the voter roll besides the file\'s voters')
    .option('--name <name>', 'round name (default from the file)')
    .option('--strict', 'refuse the known quirks of real files instead of normalising them (the warnings go into the round description)')
    .action(async (file: string, flags: ImportFlags) => {
      const output = await importCommand(file, flags, (line) => ctx.io.err(`plaza import: ${line}\n`));
      ctx.io.out(output.text);
      ctx.setExitCode(output.exitCode);
    });
}

function positiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${name} must be a positive integer, got ${value}`);
  return n;
}

function tokenSource(flags: ImportFlags): TokenSource {
  if (flags.devIdp) return new CachedTokens(new DevIdpTokens(new HttpClient(flags.proposals)));
  let key;
  try {
    key = findDevKey(ROOT, flags.devKey);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  if (!key) return new CachedTokens(new DevIdpTokens(new HttpClient(flags.proposals)));
  return new CachedTokens(new LocalSigner(key.pem));
}

export async function importCommand(file: string, flags: ImportFlags, log: (line: string) => void): Promise<{ text: string; exitCode: number }> {
  const concurrency = positiveInt(flags.concurrency, '--concurrency');
  const timeoutMs = positiveInt(flags.timeout, '--timeout') * 1000;
  const election = loadPb(file, flags.strict === true);
  const warnings = election.warnings ?? [];
  for (const line of formatWarnings(warnings)) log(line);
  let plan: ImportPlan;
  try {
    plan = planImport(election, {
      fileName: file,
      ...(flags.rule ? { rule: flags.rule } : {}),
      ...(flags.currency ? { currency: flags.currency } : {}),
      ...(flags.name ? { name: flags.name } : {}),
    });
  } catch (e) {
    if (e instanceof ImportPlanError) throw new CliError(`${file}: ${e.message}`);
    throw e;
  }
  for (const note of plan.notes) log(`note: ${note}`);
  const tokens = tokenSource(flags);
  log(`${plan.projects.length} projects, ${plan.voters.length} voters; tokens from the ${tokens.kind}`);
  const api = new PlazaApi({ proposals: flags.proposals, voting: flags.voting, audit: flags.audit }, tokens, undefined, retryReporter(log));
  let outcome: ImportOutcome;
  try {
    const extraResidents = (flags.alsoRegister ?? '').split(',').map((id) => id.trim()).filter(Boolean);
    outcome = await runImport(api, plan, { concurrency, timeoutMs, log, leaveOpen: flags.leaveOpen === true, extraResidents });
  } catch (e) {
    throw new CliError(`${file}: ${PlazaApi.describe(e)}`);
  }
  const exitCode = outcome.equal === false ? EXIT_MISMATCH : EXIT_OK;
  if (flags.json) {
    return { text: JSON.stringify({ file, ...outcome, notes: plan.notes, warnings }, null, 2) + '\n', exitCode };
  }
  return { text: describe(plan, outcome), exitCode };
}

function describe(plan: ImportPlan, o: ImportOutcome): string {
  const title = new Map(plan.projects.map((p) => [p.pbId, p.title]));
  const money = (minor: number) => (minor / 10 ** plan.moneyDigits).toLocaleString('en-US', { minimumFractionDigits: plan.moneyDigits, maximumFractionDigits: plan.moneyDigits });
  if (o.status === 'voting-open') {
    return `round ${o.roundId} (${plan.config.name}): ${o.ballotsCounted} ballots cast, voting left open\n`;
  }
  const lines = [
    `round ${o.roundId} (${plan.config.name}), unit ${o.unitId}: ${o.ballotsCounted} ballots counted, rule ${plan.config.outcome.rule}, status ${o.status}`,
    `declared winners (${o.selected.length}), spent ${money(o.spent)} of ${money(o.budget)} ${plan.config.currency}:`,
    ...o.selected.map((id, i) => `  ${String(i + 1).padStart(3)}. ${id}  ${title.get(id) ?? ''}`),
  ];
  if (o.equal === undefined) lines.push("the file has no selected column: nothing to compare");
  else if (o.equal) lines.push(`equal to the file's selected column (${o.official!.length} projects)`);
  else {
    lines.push("DIFFERENT from the file's selected column:");
    if (o.onlyInFile.length) lines.push(`  selected in the file only: ${o.onlyInFile.join(', ')}`);
    if (o.onlyInPlaza.length) lines.push(`  declared by Plaza only:    ${o.onlyInPlaza.join(', ')}`);
  }
  lines.push(
    `audit recount: ${o.audit.status}${o.audit.differences.length ? ` (${o.audit.differences.join('; ')})` : ''}`,
    `timings (ms): ${Object.entries(o.timings).map(([k, v]) => `${k} ${v}`).join(', ')}`,
  );
  return lines.join('\n') + '\n';
}
