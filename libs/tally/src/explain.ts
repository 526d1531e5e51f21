import { formatRational, ratToJson, type Rational } from './rational';
import type { NotSelectedReason, TallyResult, TieDecision } from './types';

/** Money in the instance's unit as a decimal string, e.g. 12345 at scale 2 → "123.45". */
export function formatMoney(units: bigint, scale: number): string {
  if (scale === 0) return units.toString();
  const neg = units < 0n;
  const digits = (neg ? -units : units).toString().padStart(scale + 1, '0');
  return (neg ? '-' : '') + digits.slice(0, -scale) + '.' + digits.slice(-scale);
}

function isRational(x: unknown): x is Rational {
  return typeof x === 'object' && x !== null && typeof (x as Rational).n === 'bigint' && typeof (x as Rational).d === 'bigint';
}

/**
 * The result as plain JSON: bigints become decimal strings of integers (money in the smallest unit, see `scale`),
 * exact rationals become "n/d" strings.
 */
export function resultToJson(result: TallyResult): unknown {
  const walk = (x: unknown): unknown => {
    if (typeof x === 'bigint') return x.toString();
    if (isRational(x)) return ratToJson(x);
    if (Array.isArray(x)) return x.map(walk);
    if (x instanceof Map) return Object.fromEntries([...x].map(([k, v]) => [String(k), walk(v)]));
    if (typeof x === 'object' && x !== null) {
      return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, walk(v)]));
    }
    return x;
  };
  return walk(result);
}

/** A resident-readable sentence for why a project was not selected. */
const DECISION_WORDS: Record<TieDecision, string> = {
  support: 'more support',
  cost: 'lower cost',
  'higher-cost': 'higher cost',
  order: 'input order',
  'project-id': 'project id',
  lottery: 'the public lottery',
};

export function describeReason(reason: NotSelectedReason, scale: number): string {
  const money = (u: bigint) => formatMoney(u, scale);
  switch (reason.kind) {
    case 'did-not-fit':
      return `did not fit: only ${money(reason.left)} left`;
    case 'over-limit':
      return `would exceed the ${reason.limit} limit of ${reason.key} (${money(reason.left)} left there)`;
    case 'below-threshold':
      return `below the threshold of ${reason.threshold}`;
    case 'excluded':
      return `excluded by ${reason.by} (same exclusive group, more support)`;
    case 'stopped':
      return `not considered: the rule stopped at ${reason.at}`;
    case 'lost-tie':
      return `lost a tie on support to ${reason.to.join(', ')} (decided by ${DECISION_WORDS[reason.decidedBy]})`;
    case 'not-affordable':
      return `its supporters had only ${formatRational(reason.supportersMoney, 2)} left together`;
    case 'no-support':
      return 'no support';
    case 'undecided-tie':
      return 'undecided: a tie before it was reported instead of broken';
    case 'comparison':
      return reason.note;
  }
}

function table(rows: string[][], right: ReadonlySet<number>): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? '')].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => {
          const pad = ' '.repeat(widths[c] - [...cell].length);
          return right.has(c) ? pad + cell : cell + pad;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The explanation as aligned text tables: projects, then Equal Shares / Phragmén rounds, ties and totals. */
export function formatExplanationTable(result: TallyResult): string {
  const { explanation: x, scale } = result;
  const money = (u: bigint) => formatMoney(u, scale);
  const out: string[] = [`rule: ${result.rule}${result.status === 'tie' ? ' (stopped at an undecided tie)' : ''}`];
  for (const note of x.notes) out.push(`note: ${note}`);
  if (x.perVoterBudget) out.push(`budget per voter: ${formatRational(x.perVoterBudget, 4)} (in units of 10^-${scale})`);
  out.push('');
  const rows = [['#', 'project', 'support', 'votes', 'cost', 'result']];
  for (const p of x.projects) {
    rows.push([
      p.round !== undefined ? String(p.round) : '',
      p.id,
      p.support.toString(),
      p.votes.toString(),
      money(p.cost),
      p.selected ? (p.fromReserve ? 'selected (from reserves)' : 'selected') : p.reason ? describeReason(p.reason, scale) : 'not selected',
    ]);
  }
  out.push(table(rows, new Set([0, 2, 3, 4])));
  if (x.rounds && x.rounds.length > 0) {
    out.push('');
    const phragmen = result.rule === 'phragmen';
    const r = [
      phragmen
        ? ['round', 'project', 'cost', 'time (load)', 'supporters']
        : x.utility === 'points'
          ? ['round', 'project', 'cost', 'price per point', 'effective points', 'supporters', 'paid all they had']
          : ['round', 'project', 'cost', 'price per supporter', 'effective votes', 'supporters', 'paid all they had'],
    ];
    for (const round of x.rounds) {
      r.push(
        phragmen
          ? [String(round.round), round.project, money(round.cost), formatRational(round.rho, 6), String(round.supporters)]
          : [
              String(round.round),
              round.project,
              money(round.cost),
              formatRational(round.pricePerSupporter, 2),
              formatRational(round.effectiveVotes, 2),
              String(round.supporters),
              String(round.paidAllTheyHad),
            ],
      );
    }
    out.push(table(r, new Set([0, 2, 3, 4, 5, 6])));
  }
  if (x.ties.length > 0) {
    out.push('');
    for (const t of x.ties) out.push(`tie: ${t.note}`);
  }
  out.push('');
  out.push(`selected: ${result.selected.length} project(s): ${result.selected.join(', ')}`);
  out.push(`spent: ${money(result.spent)} of ${money(result.budget)}; left over: ${money(result.leftover)}${result.currency ? ' ' + result.currency : ''}`);
  return out.join('\n');
}
