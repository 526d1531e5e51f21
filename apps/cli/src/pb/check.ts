import {
  decimalToString,
  parsePb,
  PbParseError,
  sumDecimals,
  compareDecimals,
  toElection,
  type PbDocument,
  type PbElection,
  type PbQuirk,
} from '@plaza/pabulib';
import { fromPabulib, tally, TallyInputError, validateBallot, type PabulibTally, type TallyResult } from '@plaza/tally';

/**
 * `plaza pb check`: every problem of a `.pb` file, in the spirit of Pabulib's own checker (pabulib-checker):
 * format, META consistency, ballot rules, the `votes` / `score` columns against a recount, and `selected` against
 * the stated rule. Each problem names its line, a severity and a one-line explanation.
 */
export type CheckSeverity = 'error' | 'warning';

export interface CheckProblem {
  readonly line: number;
  readonly severity: CheckSeverity;
  /** Stable short name of the check, e.g. `num-votes`, `max-length`, `votes-recount`. */
  readonly code: string;
  readonly message: string;
}

/** Every META `rule` value Pabulib defines. */
export const PABULIB_RULES = [
  'greedy',
  'greedy-no-skip',
  'greedy-threshold',
  'greedy-exclusive',
  'greedy-custom',
  'equalshares',
  'equalshares/add1',
  'equalshares-comparison',
  'equalshares/add1-comparison',
  'unknown',
] as const;

const OBLIGATORY_META = ['description', 'country', 'unit', 'instance', 'num_projects', 'num_votes', 'budget', 'vote_type', 'rule', 'date_begin', 'date_end'];
const DATE = /^(\d{1,2}\.\d{1,2}\.\d{4}|\d{4})$/;
// Quirks that make the file break the format (errors); the others are tolerated layout slips (warnings).
const QUIRK_SEVERITY: Record<PbQuirk, CheckSeverity> = {
  'stray-whitespace': 'warning',
  'unescaped-quote': 'error',
  'backslash-quote': 'error',
  'duplicate-project-in-vote': 'error',
  'duplicate-voter-id': 'error',
  'count-mismatch': 'error',
};
/** Pabulib's sentinel cost for a project that was on the ballot but could not be implemented. */
const NOT_IMPLEMENTABLE = '999999999';

/** Checks `.pb` text. Problems come sorted by line (a file that cannot be read at all has exactly one problem). */
export function checkPb(text: string): CheckProblem[] {
  let doc: PbDocument;
  let e: PbElection;
  try {
    doc = parsePb(text);
    e = toElection(doc);
  } catch (err) {
    if (err instanceof PbParseError) return [{ line: err.line, severity: 'error', code: 'format', message: err.reason }];
    throw err;
  }
  const problems: CheckProblem[] = [];
  const add = (line: number, severity: CheckSeverity, code: string, message: string) => problems.push({ line, severity, code, message });
  const pos = doc.positions!;
  const metaLine = (key: string) => pos.meta.get(key) ?? pos.headers.META;
  const projectLine = (i: number) => pos.projects[i];
  const voteLine = (i: number) => pos.votes[i];

  for (const w of e.warnings ?? []) add(w.line, QUIRK_SEVERITY[w.kind], w.kind, w.message);

  // META
  for (const key of OBLIGATORY_META) {
    if (!doc.meta.has(key)) add(pos.headers.META, 'error', 'meta-missing', `obligatory META key "${key}" is missing`);
  }
  if (!(PABULIB_RULES as readonly string[]).includes(e.rule)) {
    add(metaLine('rule'), 'error', 'meta-rule', `META rule ${JSON.stringify(e.rule)} is not a Pabulib rule (${PABULIB_RULES.join(', ')})`);
  }
  for (const key of ['date_begin', 'date_end']) {
    const v = doc.meta.get(key);
    if (v !== undefined && !DATE.test(v)) add(metaLine(key), 'warning', 'meta-date', `META ${key} ${JSON.stringify(v)} is neither dd.mm.yyyy nor a year`);
  }
  const total = sumDecimals(e.projects.filter((p) => decimalToString(p.cost) !== NOT_IMPLEMENTABLE).map((p) => p.cost));
  if (e.projects.length > 0 && compareDecimals(total, e.budget) <= 0 && doc.meta.get('fully_funded') !== '1') {
    add(
      metaLine('budget'),
      'warning',
      'budget-covers-all',
      `the budget (${decimalToString(e.budget)}) covers every project (${decimalToString(total)} in all) but META fully_funded is not 1`,
    );
  }
  e.projects.forEach((p, i) => {
    if (p.cost.units === 0n) add(projectLine(i), 'warning', 'cost-zero', `project "${p.id}" costs 0`);
    else if (compareDecimals(p.cost, e.budget) > 0 && decimalToString(p.cost) !== NOT_IMPLEMENTABLE) {
      add(projectLine(i), 'warning', 'cost-over-budget', `project "${p.id}" costs ${decimalToString(p.cost)}, more than the whole budget ${decimalToString(e.budget)}`);
    }
  });
  if (e.minLength !== undefined && e.maxLength !== undefined && e.minLength > e.maxLength) {
    add(metaLine('min_length'), 'error', 'meta-lengths', `META min_length ${e.minLength} is more than max_length ${e.maxLength}`);
  }

  let t: PabulibTally;
  try {
    t = fromPabulib(e);
  } catch (err) {
    if (err instanceof RangeError) {
      add(pos.headers.META, 'error', 'numbers', err.message);
      return sorted(problems);
    }
    throw err;
  }

  // Ballots against the ballot rules META states (min/max length, max_sum_cost, points limits; per-category limits
  // read from the comment).
  t.profile.ballots.forEach((b, i) => {
    const v = validateBallot(t.ballotRules, b);
    if (v.ok) return;
    for (const err of v.errors) {
      if (err.message.includes('named more than once')) continue; // already a duplicate-project-in-vote quirk
      add(voteLine(i), 'error', ballotCode(err.message), `voter "${b.voterId}": ${err.message}`);
    }
  });

  // PROJECTS votes / score against a recount from VOTES.
  let recount: TallyResult | undefined;
  try {
    recount = tally(t.instance, t.profile, 'greedy');
  } catch (err) {
    if (!(err instanceof TallyInputError)) throw err;
    add(pos.headers.VOTES, 'error', 'ballots', err.message);
  }
  if (recount) {
    const scale = t.pointScale;
    const row = new Map(e.projects.map((p, i) => [p.id, i]));
    const mentions = new Map<string, number>();
    for (const v of e.votes) for (const id of v.projects) mentions.set(id, (mentions.get(id) ?? 0) + 1);
    recount.explanation.projects.forEach((p) => {
      const i = row.get(p.id)!;
      const rec = t.recorded.get(p.id)!;
      if (rec.votes !== undefined && BigInt(rec.votes) !== p.votes) {
        if (rec.votes === mentions.get(p.id)) {
          add(projectLine(i), 'warning', 'votes-recount', `project "${p.id}": votes column says ${rec.votes}, counting ballots that give it 0 points (${p.votes} give it points)`);
        } else {
          add(projectLine(i), 'error', 'votes-recount', `project "${p.id}": votes column says ${rec.votes}, the ballots give ${p.votes}`);
        }
      }
      if (rec.score !== undefined && rec.score !== p.support) {
        add(projectLine(i), 'error', 'score-recount', `project "${p.id}": score column says ${points(rec.score, scale)}, the ballots give ${points(p.support, scale)}${scoreHow(e)}`);
      }
    });
  }

  // `selected` against the stated rule.
  if (t.official && t.rule.name !== undefined) {
    let result: TallyResult | undefined;
    try {
      result = tally(t.instance, t.profile, t.rule.name, t.rule.options);
    } catch (err) {
      if (!(err instanceof TallyInputError || err instanceof RangeError)) throw err;
    }
    if (result) {
      const mine = new Set(result.selected);
      e.projects.forEach((p, i) => {
        const cell = (p.selected ?? '').trim();
        const official = cell !== '' && !/^0+(\.0+)?$/.test(cell);
        if (official && !mine.has(p.id)) {
          add(projectLine(i), 'warning', 'selected-vs-rule', `project "${p.id}" is selected (${cell}) but the META rule ${e.rule} does not select it`);
        } else if (!official && mine.has(p.id)) {
          add(projectLine(i), 'warning', 'selected-vs-rule', `project "${p.id}" is not selected but the META rule ${e.rule} selects it`);
        }
      });
    }
  }
  return sorted(problems);
}

function ballotCode(message: string): string {
  if (message.startsWith('choose at least')) return 'min-length';
  if (message.startsWith('choose at most')) return 'max-length';
  if (message.includes('cost') && message.includes('in total')) return 'max-sum-cost';
  if (message.includes('per project')) return 'max-points';
  if (message.includes('in total')) return 'sum-points';
  if (message.includes('category')) return 'per-category';
  return 'ballot';
}

function points(units: bigint, scale: number): string {
  if (scale === 0) return units.toString();
  const s = units.toString().padStart(scale + 1, '0');
  return `${s.slice(0, -scale)}.${s.slice(-scale)}`;
}

function scoreHow(e: PbElection): string {
  if (e.voteType === 'ordinal' && !e.votes.some((v) => v.points)) return ' (ranks scored Borda over each ballot\'s length)';
  return '';
}

function sorted(problems: CheckProblem[]): CheckProblem[] {
  return problems.sort((a, b) => a.line - b.line);
}
