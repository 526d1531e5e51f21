import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import type { PbElection } from '@plaza/pabulib';
import type { CommandContext } from '../cli';
import { CliError, EXIT_MISMATCH, EXIT_OK } from '../cli-error';
import { loadPb, tallyCommand, type Comparison } from './tally';

/** What `plaza tally` makes of one file, judged against its `selected` column. */
export type ConformanceStatus = 'reproduced' | 'differs' | 'no-selected' | 'refused';
export const CONFORMANCE_STATUSES: readonly ConformanceStatus[] = ['reproduced', 'differs', 'no-selected', 'refused'];

export interface ConformanceRow {
  readonly file: string;
  /** META `rule` as written ("?" when the file could not be read). */
  readonly metaRule: string;
  readonly voteType: string;
  readonly status: ConformanceStatus;
  /** Why the file is not reproduced (absent when it is). */
  readonly reason?: string;
  /** Quirks the lenient reader normalised. */
  readonly warnings: number;
}

interface ConformanceFlags {
  json?: boolean;
  strict?: boolean;
}

export function registerConformance(program: Command, ctx: CommandContext): void {
  program
    .command('conformance')
    .description(
      "Run `plaza tally` (the file's META rule, as with no options) over every .pb file of a folder and compare each\n" +
        "outcome with the file's selected column; print a table by META rule and why each file is not reproduced.\n" +
        'Exit codes: 0 every file with a selected column reproduced, 1 some differ, 2 usage error.',
    )
    .argument('<dir>', 'folder of .pb files (not searched recursively)')
    .option('--json', 'print the rows and the table as JSON')
    .option('--strict', 'read the files strictly (quirks refuse the file)')
    .action((dir: string, flags: ConformanceFlags) => {
      const rows = conformanceRows(dir, flags.strict === true);
      ctx.io.out(flags.json ? JSON.stringify({ dir, rows, table: conformanceTable(rows) }, null, 2) + '\n' : formatConformance(rows));
      ctx.setExitCode(rows.some((r) => r.status === 'differs') ? EXIT_MISMATCH : EXIT_OK);
    });
}

export function conformanceRows(dir: string, strict = false): ConformanceRow[] {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.pb') && statSync(join(dir, f)).isFile())
      .sort();
  } catch {
    throw new CliError(`${dir}: not a readable folder`);
  }
  return files.map((f) => conformanceRow(join(dir, f), strict));
}

/** One file: read (leniently unless `strict`), then `plaza tally FILE --compare-selected`. */
export function conformanceRow(path: string, strict = false): ConformanceRow {
  const file = basename(path);
  let election: PbElection;
  try {
    election = loadPb(path, strict);
  } catch (e) {
    return { file, metaRule: '?', voteType: '?', status: 'refused', reason: withoutPath(e, path), warnings: 0 };
  }
  const base = { file, metaRule: election.rule, voteType: election.voteType, warnings: election.warnings?.length ?? 0 };
  if (!election.projects.some((p) => p.selected !== undefined)) {
    return { ...base, status: 'no-selected', reason: 'no selected column: nothing to compare with' };
  }
  let comparison: Comparison;
  try {
    const out = tallyCommand(path, { exclusive: [], skip: true, compareSelected: true, json: true, strict });
    comparison = (JSON.parse(out.text) as { comparison: Comparison }).comparison;
  } catch (e) {
    return { ...base, status: 'refused', reason: withoutPath(e, path) };
  }
  if (comparison.agree) return { ...base, status: 'reproduced' };
  return { ...base, status: 'differs', reason: differenceReason(election, comparison) };
}

/** The differences, and what the file says about the projects involved when their `selected` cell is special. */
export function differenceReason(e: PbElection, c: Comparison): string {
  const cell = new Map(e.projects.map((p) => [p.id, (p.selected ?? '').trim()]));
  const parts = [
    c.onlyInFile.length > 0 ? `selected in the file only: ${c.onlyInFile.map((id) => `${id} (selected=${cell.get(id)})`).join(', ')}` : undefined,
    c.onlyInPlaza.length > 0 ? `selected by Plaza only: ${c.onlyInPlaza.join(', ')}` : undefined,
  ].filter((p) => p !== undefined);
  const special = [...new Set(c.onlyInFile.map((id) => cell.get(id)).filter((v) => v !== '1'))];
  if (special.length > 0 && c.onlyInPlaza.length === 0) {
    const meaning = special.map((v) => commentFor(e.comment, v) ?? `selected=${v} is not explained in the META comment`);
    parts.push(`only projects with a special selected value differ: ${meaning.join('; ')}`);
  }
  return parts.join('; ');
}

// "We mark such projects with number 3 in the selected column" (Poznań): the numbered remark that defines value v.
function commentFor(comment: string | undefined, value: string | undefined): string | undefined {
  if (!comment || value === undefined) return undefined;
  for (const remark of comment.split(/(?=#\d+:)/)) {
    if (new RegExp(`number ${value} in the selected column`, 'i').test(remark)) return `the META comment says: ${remark.trim()}`;
  }
  return undefined;
}

function withoutPath(e: unknown, path: string): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
}

export interface ConformanceTableRow {
  readonly metaRule: string;
  readonly files: number;
  readonly reproduced: number;
  readonly differs: number;
  readonly 'no-selected': number;
  readonly refused: number;
}

/** Counts by META rule (rules in alphabetical order) and a final `total` row. */
export function conformanceTable(rows: readonly ConformanceRow[]): ConformanceTableRow[] {
  const byRule = new Map<string, Record<ConformanceStatus, number>>();
  const total: Record<ConformanceStatus, number> = { reproduced: 0, differs: 0, 'no-selected': 0, refused: 0 };
  for (const r of rows) {
    let counts = byRule.get(r.metaRule);
    if (!counts) byRule.set(r.metaRule, (counts = { reproduced: 0, differs: 0, 'no-selected': 0, refused: 0 }));
    counts[r.status]++;
    total[r.status]++;
  }
  const line = (metaRule: string, c: Record<ConformanceStatus, number>): ConformanceTableRow => ({
    metaRule,
    files: c.reproduced + c.differs + c['no-selected'] + c.refused,
    ...c,
  });
  return [...[...byRule].sort(([a], [b]) => a.localeCompare(b)).map(([rule, c]) => line(rule, c)), line('total', total)];
}

export function formatConformance(rows: readonly ConformanceRow[]): string {
  const table = conformanceTable(rows);
  const head = ['META rule', 'files', 'reproduced', 'differs', 'no selected', 'refused'];
  const cells = table.map((t) => [t.metaRule, t.files, t.reproduced, t.differs, t['no-selected'], t.refused].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const fmt = (c: string[]) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  const out = [fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(fmt), ''];
  const notReproduced = rows.filter((r) => r.status !== 'reproduced');
  if (notReproduced.length > 0) {
    out.push('not reproduced:');
    for (const r of notReproduced) out.push(`  ${r.status.padEnd(11)} ${r.file} (${r.metaRule}, ${r.voteType}): ${r.reason}`);
  }
  const quirky = rows.filter((r) => r.warnings > 0);
  if (quirky.length > 0) out.push('', `read with warnings (quirks normalised): ${quirky.map((r) => `${r.file} (${r.warnings})`).join(', ')}`);
  return out.join('\n') + '\n';
}
