import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { formatWarnings, PbParseError, readPbFile, type PbElection } from '@plaza/pabulib';
import {
  ageBand,
  analyseFairness,
  formatExplanationTable,
  type FairnessAnalysis,
  type Grouping,
  formatMoney,
  fromPabulib,
  isRuleName,
  parseRational,
  RULE_NAMES,
  resultToJson,
  TIE_BREAK_CRITERIA,
  type TieBreakCriterion,
  tally,
  TallyInputError,
  type Rational,
  type RuleName,
  type RuleOptions,
  type TallyResult,
} from '@plaza/tally';
import type { CommandContext } from '../cli';
import { CliError, EXIT_MISMATCH, EXIT_OK } from '../cli-error';

interface TallyFlags {
  rule?: string;
  exclusive: string[];
  reserveFraction?: string;
  threshold?: string;
  skip: boolean;
  reportTies?: boolean;
  add1Integral?: boolean;
  compareSelected?: boolean;
  json?: boolean;
  strict?: boolean;
  tieBreak?: string;
  lotterySeed?: string;
  analyse?: boolean;
}

export interface Comparison {
  readonly agree: boolean;
  /** Projects whose `selected` cell is not 0, in file order. */
  readonly official: string[];
  readonly onlyInFile: string[];
  readonly onlyInPlaza: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerTally(program: Command, ctx: CommandContext): void {
  program
    .command('tally')
    .description(
      'Compute the outcome of a Pabulib .pb election with an exact rule and explain it.\n' +
        'Exit codes: 0 ok, 1 --compare-selected found a difference, 2 usage or input error.',
    )
    .argument('<file>', 'the .pb file')
    .option('--rule <rule>', `rule to apply (default: the file's META rule when Plaza supports it): ${RULE_NAMES.join(', ')}`)
    .option('--exclusive <ids>', 'comma-separated mutually exclusive project ids: at most one is funded (repeatable)', collect, [])
    .option('--reserve-fraction <f>', "Poznań's reserve rule: stop at the first project that does not fit, fund it if ≥ f of its cost is left (e.g. 0.8)")
    .option('--threshold <n>', 'minimum support to be eligible (votes, or points); default: META min_project_score_threshold; 0 disables it')
    .option('--no-skip', 'greedy: stop at the first project that does not fit')
    .option('--report-ties', 'stop at a tie the tie-breaking would have to decide, and report it')
    .option('--tie-break <list>', `comma-separated tie-breaking criteria in order, among ${TIE_BREAK_CRITERIA.join(', ')} (default: more-support,lower-cost,ballot-order)`)
    .option('--lottery-seed <seed>', 'seed of the public lottery (the lottery criterion): the winner of a tie has the smallest sha256(seed + "\\n" + project id)')
    .option('--add1-integral', 'Add1 completion from the integral per-voter budget floor(budget / voters)')
    .option('--compare-selected', "compare with the file's selected column (exit 1 if they differ)")
    .option('--json', 'print the result as JSON')
    .option('--analyse', 'add a fairness analysis: satisfaction, its Gini, voters with no funded project (per district / age band when the file has them), exact EJR and priceability checks when small enough (priceability from the Equal Shares run at any size), MES effective support, in plain words')
    .option('--strict', 'refuse the known quirks of real files (a project named twice in a ballot, stray quotes or spaces, ...) instead of normalising them with a warning')
    .action((file: string, flags: TallyFlags) => {
      const output = tallyCommand(file, flags);
      ctx.io.out(output.text);
      ctx.setExitCode(output.exitCode);
    });
}

/** Reads a `.pb` file for a command: lenient unless `strict`; a missing or malformed file is a CliError naming the line. */
export function loadPb(file: string, strict = false): PbElection {
  if (!existsSync(file)) throw new CliError(`${file}: no such file`);
  try {
    return readPbFile(file, { strict });
  } catch (e) {
    if (e instanceof PbParseError) throw new CliError(`${file}: ${e.message}`);
    throw e;
  }
}

export function tallyCommand(file: string, flags: TallyFlags): { text: string; exitCode: number } {
  const election = loadPb(file, flags.strict === true);
  const warnings = election.warnings ?? [];
  let t;
  try {
    t = fromPabulib(election);
  } catch (e) {
    if (e instanceof RangeError) throw new CliError(`${file}: ${e.message}`);
    throw e;
  }
  let rule: RuleName;
  let options: RuleOptions;
  const notes: string[] = [];
  if (flags.rule !== undefined) {
    if (!isRuleName(flags.rule)) throw new CliError(`unknown rule ${JSON.stringify(flags.rule)}; one of: ${RULE_NAMES.join(', ')}`);
    rule = flags.rule;
    // An eligibility threshold belongs to the election, whatever the rule.
    options = t.rule.name !== undefined && t.rule.options.threshold !== undefined ? { threshold: t.rule.options.threshold } : {};
  } else {
    if (t.rule.name === undefined) throw new CliError(`${file}: ${t.rule.why}; choose one with --rule`);
    rule = t.rule.name;
    options = { ...t.rule.options };
    notes.push(...t.rule.notes);
  }
  if (flags.threshold !== undefined) {
    const value = parseNumber(flags.threshold, '--threshold');
    const scale = t.profile.type === 'approval' || t.profile.type === 'choose-one' ? 0 : t.pointScale;
    const units = value.n * 10n ** BigInt(scale);
    if (units % value.d !== 0n) throw new CliError(`--threshold ${flags.threshold} has more decimals than the file's points`);
    const { threshold: _drop, ...rest } = options;
    options = units === 0n ? rest : { ...rest, threshold: units / value.d };
  }
  const greedyOnly = [
    flags.skip === false ? '--no-skip' : undefined,
    flags.reserveFraction !== undefined ? '--reserve-fraction' : undefined,
    flags.exclusive.length > 0 ? '--exclusive' : undefined,
  ].filter((f) => f !== undefined);
  if (greedyOnly.length > 0 && !rule.startsWith('greedy')) {
    throw new CliError(`${greedyOnly.join(', ')} only apply to the greedy rules, not ${rule}`);
  }
  if (rule === 'greedy-threshold' && options.threshold === undefined) {
    throw new CliError(`${file}: greedy-threshold needs a threshold: the file has no min_project_score_threshold; pass --threshold`);
  }
  if (flags.skip === false) options = { ...options, noSkip: true };
  if (flags.reportTies) options = { ...options, reportTies: true };
  if (flags.add1Integral) options = { ...options, add1Integral: true };
  if (flags.tieBreak !== undefined) {
    const list = flags.tieBreak.split(',').map((c) => c.trim()).filter((c) => c !== '');
    for (const c of list) {
      if (!(TIE_BREAK_CRITERIA as readonly string[]).includes(c)) throw new CliError(`--tie-break: unknown criterion ${JSON.stringify(c)}; among: ${TIE_BREAK_CRITERIA.join(', ')}`);
    }
    if (list.length === 0) throw new CliError('--tie-break needs at least one criterion');
    options = { ...options, tieBreak: list as TieBreakCriterion[] };
  }
  if (flags.lotterySeed !== undefined) {
    if (!options.tieBreak?.includes('lottery')) throw new CliError('--lottery-seed needs --tie-break with the lottery criterion');
    options = { ...options, lotterySeed: flags.lotterySeed };
  }
  if (flags.reserveFraction !== undefined) {
    const f = parseNumber(flags.reserveFraction, '--reserve-fraction');
    if (f.n <= 0n || f.n > f.d) throw new CliError('--reserve-fraction must be in (0, 1]');
    options = { ...options, reserveFraction: f };
  }
  if (flags.exclusive.length > 0) {
    const groups = flags.exclusive.map((g) => g.split(',').map((s) => s.trim()).filter((s) => s !== ''));
    const known = new Set(t.instance.projects.map((p) => p.id));
    for (const g of groups) {
      if (g.length < 2) throw new CliError(`--exclusive needs at least two project ids, got ${JSON.stringify(g.join(','))}`);
      for (const id of g) if (!known.has(id)) throw new CliError(`--exclusive: no project ${JSON.stringify(id)} in ${file}`);
    }
    options = { ...options, exclusive: groups };
  }
  let result: TallyResult;
  try {
    result = tally(t.instance, t.profile, rule, options);
  } catch (e) {
    if (e instanceof TallyInputError || e instanceof RangeError) throw new CliError(`${file}: ${e.message}`);
    throw e;
  }
  let comparison: Comparison | undefined;
  if (flags.compareSelected) {
    if (!t.official) throw new CliError(`${file}: the file has no selected column to compare with`);
    comparison = compareSelected(result.selected, t.official);
  }
  const exitCode = comparison && !comparison.agree ? EXIT_MISMATCH : EXIT_OK;
  const analysis = flags.analyse ? analyseFairness(t.instance, t.profile, result, groupingsOf(election)) : undefined;
  if (flags.json) {
    const units = (v: bigint) => Number(formatMoney(v, result.scale));
    const json = {
      file,
      metaRule: t.metaRule,
      ...(resultToJson(result) as object),
      // Money in currency units as JSON numbers for convenience; `money` has the exact integers in 10^-scale units.
      spent: units(result.spent),
      budget: units(result.budget),
      leftover: units(result.leftover),
      money: { scale: result.scale, spent: result.spent.toString(), budget: result.budget.toString(), leftover: result.leftover.toString() },
      ...(notes.length > 0 ? { notes } : {}),
      ...(comparison ? { comparison } : {}),
      ...(analysis ? { analysis } : {}),
      warnings,
    };
    return { text: JSON.stringify(json, null, 2) + '\n', exitCode };
  }
  const lines = [...formatWarnings(warnings), formatExplanationTable(result)];
  for (const n of notes) lines.push(`note: ${n}`);
  if (analysis) lines.push(...formatAnalysis(analysis));
  if (comparison) {
    lines.push(
      comparison.agree
        ? `agrees with the file's selected column (${comparison.official.length} projects)`
        : `DIFFERS from the file's selected column: only in the file: ${comparison.onlyInFile.join(', ') || '-'}; only in Plaza: ${comparison.onlyInPlaza.join(', ') || '-'}`,
    );
  }
  return { text: lines.join('\n') + '\n', exitCode };
}

export function compareSelected(selected: readonly string[], official: ReadonlyMap<string, string>): Comparison {
  const inFile = [...official].filter(([, cell]) => isSelectedCell(cell)).map(([id]) => id);
  const mine = new Set(selected);
  const theirs = new Set(inFile);
  const onlyInFile = inFile.filter((id) => !mine.has(id));
  const onlyInPlaza = selected.filter((id) => !theirs.has(id));
  return { agree: onlyInFile.length === 0 && onlyInPlaza.length === 0, official: inFile, onlyInFile, onlyInPlaza };
}

/** Pabulib: 1 funded, 0 not, other values (2 = from reserves in Poznań) are special cases of funded. */
export function isSelectedCell(cell: string): boolean {
  const c = cell.trim();
  return c !== '' && !/^0+(\.0+)?$/.test(c);
}

function parseNumber(text: string, flag: string): Rational {
  try {
    const r = parseRational(text);
    if (r.n < 0n) throw new RangeError('negative');
    return r;
  } catch {
    throw new CliError(`${flag}: not a non-negative number: ${JSON.stringify(text)}`);
  }
}

/** District (VOTES `district` / `neighborhood`) and age band (VOTES `age`) of each voter, when the file has them. */
export function groupingsOf(e: PbElection): Grouping[] {
  const out: Grouping[] = [];
  for (const column of ['district', 'neighborhood']) {
    if (!e.votes.some((v) => (v.extra[column] ?? '') !== '')) continue;
    out.push({ name: column, of: new Map(e.votes.map((v) => [v.voterId, v.extra[column] ?? ''])) });
    break;
  }
  if (e.votes.some((v) => ageBand(v.extra['age'] ?? '') !== undefined)) {
    out.push({ name: 'age', of: new Map(e.votes.flatMap((v) => { const band = ageBand(v.extra['age'] ?? ''); return band ? [[v.voterId, band] as const] : []; })) });
  }
  return out;
}

function priceabilityFigure(p: FairnessAnalysis['priceability']): string {
  switch (p.status) {
    case 'priceable':
      return `priceable (${p.method}, budget per voter ${p.voterBudget} smallest money units${p.exhaustive ? ', exhaustive' : ', NOT exhaustive'})`;
    case 'not-priceable':
      return `not priceable${p.exhaustive ? ' (exhaustive)' : ' (NOT exhaustive)'}`;
    case 'too-large':
      return `too large to check exactly (${p.ballotKinds} ballot kinds, ${p.projects} projects)`;
    case 'not-applicable':
      return 'not applicable';
  }
}

export function formatAnalysis(a: FairnessAnalysis): string[] {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const lines = [
    '',
    'fairness analysis:',
    ...a.plain.map((p) => `  ${p}`),
    `  figures: ${a.voters} voters; empty-handed ${a.emptyHanded.count} (${pct(a.emptyHanded.share)}); cardinality satisfaction mean ${a.cardinality.mean.toFixed(3)}, Gini ${a.cardinality.gini.toFixed(3)}; cost satisfaction mean ${a.cost.mean.toFixed(2)}, Gini ${a.cost.gini.toFixed(3)}`,
    `  EJR: ${a.ejr.status}; PJR: ${a.pjr.status}${a.ejr.status === 'satisfied' ? ' (implied by EJR)' : ''}; priceability: ${priceabilityFigure(a.priceability)}`,
  ];
  for (const g of a.groups) lines.push(`  ${g.grouping} ${g.group}: ${g.voters} voters, empty-handed ${pct(g.emptyHandedShare)}, mean projects ${g.meanCardinality.toFixed(2)}`);
  if (a.effectiveSupport) lines.push(`  MES effective support: ${a.effectiveSupport.map((s) => `${s.project} ${s.effectiveVotes}`).join(', ')}`);
  return lines;
}
