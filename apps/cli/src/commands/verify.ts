import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import type { CommandContext } from '../cli';
import { CliError, EXIT_MISMATCH, EXIT_OK } from '../cli-error';
import { LEDGER_FILE, pbFileName, RESULTS_FILE } from '@plaza/bundle';
import { verifyBundle, type InsiderReport, type VerifyFailure, type VerifyReport } from '@plaza/bundle';
import { readPbFile } from '@plaza/pabulib';
import { analyseFairness, fromPabulib, parseRational, type FairnessAnalysis, type RuleName } from '@plaza/tally';
import { formatAnalysis } from './tally';

interface VerifyFlags {
  json?: boolean;
  analyse?: boolean;
  key?: string;
  witness?: string[];
  quorum?: string;
  progress?: boolean;
}

/** Bundles smaller than this verify in well under a second: no progress bar. */
const PROGRESS_MIN_BYTES = 16 << 20;

export function registerVerify(program: Command, ctx: CommandContext): void {
  program
    .command('verify')
    .description(
      'Verify a Plaza audit bundle offline (no services, no database): every leaf hash, every checkpoint root,\n' +
        'signature and consistency proof, one counted ballot per pseudonym cast only while voting was open, and the\n' +
        'declared results recomputed with libs/recount. Exit codes: 0 everything holds, 1 a check failed, 2 usage error.',
    )
    .argument('<bundle>', 'the bundle directory (from `plaza audit export`)')
    .option('--key <key>', "the audit service's C2SP verifier key (or a file holding it) to pin instead of trusting the bundle's")
    .option('--witness <vkey...>', 'a witness verifier key (or a .vkey file) whose cosignature the checkpoint covering the round must carry; repeatable')
    .option('--quorum <k>', 'how many of the --witness keys must have cosigned (default: all of them)')
    .option('--json', 'print the report as JSON')
    .option('--no-progress', 'no progress bar even on a terminal')
    .option('--analyse', "after a successful verification, a fairness analysis of each unit's declared result from the bundle's ballots")
    .action(async (bundle: string, flags: VerifyFlags) => {
      const report = await verifyCommand(bundle, flags, ctx);
      const analysis = flags.analyse && report.ok ? bundleFairness(bundle) : undefined;
      if (flags.json) ctx.io.out(JSON.stringify(analysis ? { ...report, analysis } : report, null, 2) + '\n');
      else {
        ctx.io.out(formatReport(report));
        for (const a of analysis ?? []) ctx.io.out([`unit ${a.unitId}:`, ...formatAnalysis(a.analysis).slice(2)].join('\n') + '\n');
      }
      ctx.setExitCode(report.ok ? EXIT_OK : EXIT_MISMATCH);
    });
}

export async function verifyCommand(bundle: string, flags: VerifyFlags, _ctx?: CommandContext): Promise<VerifyReport> {
  if (!existsSync(bundle) || !statSync(bundle).isDirectory()) throw new CliError(`${bundle}: not a bundle directory`);
  let trustedKey: string | undefined;
  if (flags.key !== undefined) trustedKey = existsSync(flags.key) ? readFileSync(flags.key, 'utf8').trim() : flags.key.trim();
  const witnesses = (flags.witness ?? []).map((w) => (existsSync(w) ? readFileSync(w, 'utf8').trim() : w.trim()));
  let quorum: number | undefined;
  if (flags.quorum !== undefined) {
    quorum = Number(flags.quorum);
    if (!/^[1-9][0-9]*$/.test(flags.quorum)) throw new CliError('--quorum must be a positive whole number');
    if (witnesses.length === 0) throw new CliError('--quorum needs at least one --witness');
    if (quorum > witnesses.length) throw new CliError(`--quorum ${quorum} is more than the ${witnesses.length} --witness key(s) given`);
  }
  const ledgerPath = join(bundle, LEDGER_FILE);
  const large = existsSync(ledgerPath) && statSync(ledgerPath).size >= PROGRESS_MIN_BYTES;
  const bar =
    flags.progress !== false && large && process.stderr.isTTY
      ? new SingleBar({ stream: process.stderr, format: 'verifying {bar} {percentage}% | {value}/{total} MB | ETA {eta}s', hideCursor: true })
      : undefined;
  bar?.start(Math.ceil(statSync(ledgerPath).size / 2 ** 20), 0);
  try {
    return await verifyBundle(bundle, { trustedKey, witnesses, quorum, onProgress: bar ? (read) => bar.update(Math.floor(read / 2 ** 20)) : undefined });
  } catch (e) {
    throw new CliError(`${bundle}: ${(e as Error).message}`);
  } finally {
    bar?.stop();
  }
}

function where(f: VerifyFailure): string {
  const parts: string[] = [];
  if (f.index !== undefined) parts.push(`entry ${f.index}`);
  if (f.eventId !== undefined) parts.push(`event ${f.eventId}`);
  if (f.checkpoint) parts.push(`checkpoint ${f.checkpoint.line}${f.checkpoint.size !== undefined ? ` (size ${f.checkpoint.size})` : ''}`);
  if (f.file) parts.push(f.file);
  return parts.length > 0 ? ` at ${parts.join(', ')}` : '';
}

export function formatReport(r: VerifyReport): string {
  const lines: string[] = [];
  lines.push(`Plaza audit bundle ${r.bundle}`);
  if (r.roundId) lines.push(`  round       ${r.roundId}`);
  lines.push(
    `  signer      ${r.origin ?? '?'} key ${r.keyId ?? '?'}${r.keyPinned ? ' (pinned with --key)' : ' (from the bundle: compare with GET /ledger/public-key of the audit service, or pin it with --key)'}`,
  );
  lines.push(`  ledger      ${r.ledger.entries} entries, ${r.ledger.roundEntries} of this round; ${r.ledger.checkpointsVerified} of ${r.ledger.checkpoints} checkpoint roots recomputed`);
  if (r.round) {
    const counted = Object.entries(r.round.counted).map(([u, n]) => `${u} ${n}`).join(', ');
    lines.push(`  ballots     ${r.round.ballotsCast} cast; counted: ${counted || 'none'}`);
    if (r.round.anomalies.length > 0) lines.push(`  left out    ${r.round.anomalies.length} ballot(s), e.g. ${r.round.anomalies[0].eventId}: ${r.round.anomalies[0].reason}`);
    if (r.round.comparisons.length === 0) lines.push('  results     none declared in this bundle');
    for (const c of r.round.comparisons) {
      const verdict = c.differences.length === 0 ? 'recount agrees' : `RECOUNT DIFFERS: ${c.differences.join('; ')}`;
      lines.push(`  results     ${c.unitId}: ${c.declared.selected.length} selected, spent ${c.declared.spent} (minor units), ${c.recomputed.ballotsCounted} ballots: ${verdict}`);
    }
  }
  if (r.round) lines.push(...formatInsider(r.round.insider));
  if (r.witnesses) {
    const w = r.witnesses;
    const at = w.checkpoint ? `checkpoint ${w.checkpoint.line} (size ${w.checkpoint.size})` : 'no checkpoint covering the round';
    lines.push(`  witnesses   ${w.cosigned} of ${w.witnesses.length} cosigned ${at}; quorum ${w.quorum}`);
    for (const x of w.witnesses) {
      lines.push(`    ${x.cosigned ? 'cosigned    ' : 'NOT cosigned'} ${x.keyName} key ${x.keyId}${x.timestamp !== undefined ? ` at ${new Date(x.timestamp * 1000).toISOString()}` : ''}`);
    }
  }
  lines.push('  checks');
  for (const c of r.checks) lines.push(`    ${c.ok ? 'ok  ' : 'FAIL'} ${c.check}`);
  if (r.ok) {
    lines.push(`VERIFIED in ${(r.elapsedMs / 1000).toFixed(1)} s: every check holds.`);
  } else {
    const f = r.failures[0];
    lines.push(`NOT VERIFIED: ${f.check}${where(f)}: ${f.message}`);
    for (const other of r.failures.slice(1, 10)) lines.push(`  also ${other.check}${where(other)}: ${other.message}`);
    if (r.failures.length > 10) lines.push(`  … and ${r.failures.length - 10} more (see --json)`);
  }
  return lines.join('\n') + '\n';
}

interface DeclaredJson {
  readonly declared: readonly {
    readonly payload: {
      unitId: string;
      rule: RuleName;
      selected: string[];
      explanation?: { rounds?: { project: string; effectiveVotes: string; rho?: string }[]; perVoterBudget?: string; utility?: 'cost' | 'points' };
    };
  }[];
}

/**
 * The fairness of each unit's declared result, from a verified bundle: the unit's ballots from its `.pb`, the
 * winners (and Equal Shares rounds) from `results.json` — the latest declaration of each unit.
 */
export function bundleFairness(bundle: string): { unitId: string; analysis: FairnessAnalysis }[] {
  const results = JSON.parse(readFileSync(join(bundle, RESULTS_FILE), 'utf8')) as DeclaredJson;
  const latest = new Map(results.declared.map((d) => [d.payload.unitId, d.payload]));
  return [...latest.values()].map((declared) => {
    const t = fromPabulib(readPbFile(join(bundle, pbFileName(declared.unitId))));
    const x = declared.explanation;
    const rounds = x?.rounds?.map((r) => ({ project: r.project, effectiveVotes: parseRational(r.effectiveVotes), ...(r.rho ? { rho: parseRational(r.rho) } : {}) }));
    // With the run's budget per voter and prices, priceability shows the Equal Shares price system itself (checked
    // exactly against the bundle's ballots; if it does not hold, the exact linear program decides where small enough).
    const outcome = {
      rule: declared.rule,
      selected: declared.selected,
      explanation: {
        ...(rounds ? { rounds } : {}),
        ...(x?.perVoterBudget ? { perVoterBudget: parseRational(x.perVoterBudget) } : {}),
        ...(x?.utility ? { utility: x.utility } : {}),
      },
    };
    return { unitId: declared.unitId, analysis: analyseFairness(t.instance, t.profile, outcome) };
  });
}

/** The insider actions the ledger shows (four-eyes changes, paper batches, secret destruction), one line each. */
function formatInsider(insider: InsiderReport): string[] {
  const lines = insider.actions.map((a) => `  insider     #${a.index} ${a.at} ${a.by ?? '-'}: ${a.what}`);
  for (const b of insider.paperBatches) {
    const confirmed = b.confirmedBy ? `confirmed by ${b.confirmedBy}` : 'NOT confirmed by a second person';
    lines.push(`  paper       batch ${b.batchId} (${b.unitId}): ${b.entered} entered by ${b.enteredBy.join(', ') || '-'}, ${b.overrides} replaced online ballots, ${confirmed}`);
  }
  if (insider.actions.length === 0 && insider.paperBatches.length === 0) lines.push('  insider     no four-eyes changes, paper batches or secret destruction in this round');
  return lines;
}
