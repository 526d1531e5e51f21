import { decimalToString, PbDecimal, tryParseDecimal } from './decimal';
import { PbDocument, PbLineEnding, PbPositions, PbSectionName, PbTable } from './document';
import { PbParseError } from './errors';
import { PbReadOptions, PbWarning, PbWarnings } from './warnings';

export type PbVoteType = 'approval' | 'ordinal' | 'cumulative' | 'scoring' | 'choose-1';
export const PB_VOTE_TYPES: readonly PbVoteType[] = ['approval', 'ordinal', 'cumulative', 'scoring', 'choose-1'];

export interface PbProject {
  /** Always a string: ids such as `L9/09/XI`, `BO.OM.97/24` or `0050` must not be parsed as numbers. */
  id: string;
  cost: PbDecimal;
  name?: string;
  /** The `votes` column as written (ballots naming the project); undefined when absent or empty. */
  votes?: number;
  /** The `score` column as written (sum of points); undefined when absent or empty. */
  score?: PbDecimal;
  /** Raw `selected` cell (`1` funded, `0` not, other values explained in META `comment`); undefined if no column. */
  selected?: string;
  /** `category` list; empty when absent. */
  categories: string[];
  /** `beneficiaries` list (`target` in older files); empty when absent. */
  beneficiaries: string[];
  /** Every other column, raw. */
  extra: Record<string, string>;
}

export interface PbVote {
  voterId: string;
  /** Project ids in ballot order (ordinal: most preferred first). */
  projects: string[];
  /** Present when the file has a `points` column; same order and length as `projects`. */
  points?: PbDecimal[];
  /** Every other column (age, sex, voting_method, neighborhood, ...), raw. */
  extra: Record<string, string>;
}

/** What `fromElection` needs to write the file back as it was read. */
export interface PbLayout {
  projectColumns: string[];
  voteColumns: string[];
  lineEnding: PbLineEnding;
  finalNewline: boolean;
  lineEndingOverrides?: Map<number, PbLineEnding>;
  bom?: boolean;
}

/**
 * The typed view of a `.pb` election. `meta` holds every META row as written; the typed fields below are parsed from
 * it. `fromElection` writes `meta` and then overwrites the keys of the typed fields that are defined (so changing
 * `budget` or `maxLength` is enough), and always recomputes `num_projects` / `num_votes`.
 */
export interface PbElection {
  meta: Map<string, string>;
  voteType: PbVoteType;
  rule: string;
  budget: PbDecimal;
  projects: PbProject[];
  votes: PbVote[];
  description?: string;
  country?: string;
  unit?: string;
  subunit?: string;
  instance?: string;
  currency?: string;
  comment?: string;
  minLength?: number;
  maxLength?: number;
  minSumCost?: PbDecimal;
  maxSumCost?: PbDecimal;
  minSumPoints?: PbDecimal;
  maxSumPoints?: PbDecimal;
  minPoints?: PbDecimal;
  maxPoints?: PbDecimal;
  minProjectScoreThreshold?: PbDecimal;
  minProjectCost?: PbDecimal;
  maxProjectCost?: PbDecimal;
  defaultScore?: PbDecimal;
  scoringFn?: string;
  /** Amsterdam: neighbourhoods and, in the same order, the spending cap of each. */
  neighborhoods?: string[];
  budgetPerNeighborhood?: PbDecimal[];
  categories?: string[];
  budgetPerCategory?: PbDecimal[];
  /** Set by `toElection` so `fromElection` reproduces column order and line endings; optional when building. */
  layout?: PbLayout;
  /** Quirks the lenient reader normalised (`parsePb` and `toElection`), in line order; absent when there were none. */
  warnings?: PbWarning[];
}

type StringField = 'description' | 'country' | 'unit' | 'subunit' | 'instance' | 'currency' | 'comment' | 'scoringFn';
type IntField = 'minLength' | 'maxLength';
type DecimalField =
  | 'minSumCost'
  | 'maxSumCost'
  | 'minSumPoints'
  | 'maxSumPoints'
  | 'minPoints'
  | 'maxPoints'
  | 'minProjectScoreThreshold'
  | 'minProjectCost'
  | 'maxProjectCost'
  | 'defaultScore';
type ListField = 'neighborhoods' | 'categories';
type DecimalListField = 'budgetPerNeighborhood' | 'budgetPerCategory';

const STRING_KEYS: readonly [string, StringField][] = [
  ['description', 'description'],
  ['country', 'country'],
  ['unit', 'unit'],
  ['subunit', 'subunit'],
  ['instance', 'instance'],
  ['currency', 'currency'],
  ['comment', 'comment'],
  ['scoring_fn', 'scoringFn'],
];
const INT_KEYS: readonly [string, IntField][] = [
  ['min_length', 'minLength'],
  ['max_length', 'maxLength'],
];
const DECIMAL_KEYS: readonly [string, DecimalField][] = [
  ['min_sum_cost', 'minSumCost'],
  ['max_sum_cost', 'maxSumCost'],
  ['min_sum_points', 'minSumPoints'],
  ['max_sum_points', 'maxSumPoints'],
  ['min_points', 'minPoints'],
  ['max_points', 'maxPoints'],
  ['min_project_score_threshold', 'minProjectScoreThreshold'],
  ['min_project_cost', 'minProjectCost'],
  ['max_project_cost', 'maxProjectCost'],
  ['default_score', 'defaultScore'],
];
// [names key, names field, budgets key, budgets field]: the budgets list must match the names list item by item.
const LIST_KEYS: readonly [string, ListField, string, DecimalListField][] = [
  ['neighborhoods', 'neighborhoods', 'budget_per_neighborhood', 'budgetPerNeighborhood'],
  ['categories', 'categories', 'budget_per_category', 'budgetPerCategory'],
];

/** Items of a comma-list cell (`vote`, `points`, `category`, ...): trimmed; an empty cell is the empty list. */
export function splitList(cell: string): string[] {
  if (cell === '') return [];
  const items = cell.split(',');
  for (let i = 0; i < items.length; i++) items[i] = items[i].trim();
  return items;
}

/**
 * Checks the meaning of a parsed document and returns its typed view. Throws `PbParseError` naming the line for:
 * a missing obligatory META key (`num_projects`, `num_votes`, `budget`, `vote_type`, `rule`) or column
 * (`project_id`, `cost`, `voter_id`, `vote`), an unknown `vote_type`, a non-numeric or negative number, a
 * `num_projects` / `num_votes` that differs from the row count, an empty or duplicate id, a vote naming an unknown
 * project or the same project twice, a `points` list whose length differs from the `vote` list, a choose-1 ballot
 * that does not name exactly one project, and list META keys whose budgets do not match their names.
 */
export function toElection(doc: PbDocument, options: PbReadOptions = {}): PbElection {
  const warn = new PbWarnings(options.strict === true);
  if (options.strict && doc.warnings && doc.warnings.length > 0) {
    const w = doc.warnings[0];
    throw new PbParseError(w.line, `${w.message.split('; ')[0]} (refused in strict mode)`);
  }
  const pos = positionsFor(doc);
  const metaLine = (key: string): number => pos.meta.get(key) ?? pos.headers.META;
  const required = (key: string): string => {
    const v = doc.meta.get(key);
    if (v === undefined) throw new PbParseError(pos.headers.META, `missing obligatory META key "${key}"`);
    return v;
  };
  const metaDecimal = (key: string, value: string): PbDecimal => {
    const d = tryParseDecimal(value);
    if (d === undefined || d.units < 0n) {
      throw new PbParseError(metaLine(key), `META ${key} must be a non-negative decimal number, found ${JSON.stringify(value)}`);
    }
    return d;
  };
  const metaCount = (key: string): number => {
    const v = required(key);
    if (!/^[0-9]+$/.test(v)) throw new PbParseError(metaLine(key), `META ${key} must be a non-negative integer, found ${JSON.stringify(v)}`);
    return Number(v);
  };

  const voteTypeText = required('vote_type');
  if (!(PB_VOTE_TYPES as readonly string[]).includes(voteTypeText)) {
    throw new PbParseError(metaLine('vote_type'), `unknown vote_type ${JSON.stringify(voteTypeText)} (expected one of ${PB_VOTE_TYPES.join(', ')})`);
  }
  const voteType = voteTypeText as PbVoteType;
  const numProjects = metaCount('num_projects');
  const numVotes = metaCount('num_votes');
  const election: PbElection = {
    meta: new Map(doc.meta),
    voteType,
    rule: required('rule'),
    budget: metaDecimal('budget', required('budget')),
    projects: [],
    votes: [],
  };
  for (const [key, field] of STRING_KEYS) {
    const v = doc.meta.get(key);
    if (v !== undefined) election[field] = v;
  }
  for (const [key, field] of INT_KEYS) {
    const v = doc.meta.get(key);
    if (v === undefined) continue;
    if (!/^[0-9]+$/.test(v)) throw new PbParseError(metaLine(key), `META ${key} must be a non-negative integer, found ${JSON.stringify(v)}`);
    election[field] = Number(v);
  }
  for (const [key, field] of DECIMAL_KEYS) {
    const v = doc.meta.get(key);
    if (v !== undefined) election[field] = metaDecimal(key, v);
  }
  for (const [namesKey, namesField, budgetsKey, budgetsField] of LIST_KEYS) {
    const names = doc.meta.get(namesKey);
    const budgets = doc.meta.get(budgetsKey);
    if (names !== undefined) election[namesField] = splitList(names);
    if (budgets !== undefined) {
      election[budgetsField] = splitList(budgets).map((b) => metaDecimal(budgetsKey, b));
      const count = election[namesField]?.length;
      if (count !== election[budgetsField].length) {
        throw new PbParseError(
          metaLine(budgetsKey),
          `META ${budgetsKey} has ${election[budgetsField].length} items but ${namesKey} has ${count ?? 'none'}`,
        );
      }
    }
  }

  election.projects = readProjects(doc.projects, pos);
  if (numProjects !== election.projects.length) {
    warn.add(metaLine('num_projects'), 'count-mismatch', `num_projects is ${numProjects} but PROJECTS has ${election.projects.length} rows`, 'use the rows');
  }
  election.votes = readVotes(doc.votes, pos, election.projects, voteType, warn);
  if (numVotes !== election.votes.length) {
    warn.add(metaLine('num_votes'), 'count-mismatch', `num_votes is ${numVotes} but VOTES has ${election.votes.length} rows`, 'use the rows');
  }
  const warnings = [...(doc.warnings ?? []), ...warn.list].sort((a, b) => a.line - b.line);
  if (warnings.length > 0) election.warnings = warnings;

  election.layout = {
    projectColumns: [...doc.projects.columns],
    voteColumns: [...doc.votes.columns],
    lineEnding: doc.lineEnding,
    finalNewline: doc.finalNewline,
  };
  if (doc.lineEndingOverrides) election.layout.lineEndingOverrides = new Map(doc.lineEndingOverrides);
  if (doc.bom) election.layout.bom = true;
  return election;
}

const PROJECT_TYPED = new Set(['project_id', 'cost', 'name', 'votes', 'score', 'selected', 'category']);
const VOTE_TYPED = new Set(['voter_id', 'vote', 'points']);

function beneficiariesColumn(columns: readonly string[]): string | undefined {
  if (columns.includes('beneficiaries')) return 'beneficiaries';
  if (columns.includes('target')) return 'target';
  return undefined;
}

function requireColumns(table: PbTable, section: PbSectionName, names: string[], pos: PbPositions): void {
  for (const name of names) {
    if (!table.columns.includes(name)) {
      throw new PbParseError(pos.headers[section], `${section} header lacks the obligatory column "${name}"`);
    }
  }
}

function readProjects(table: PbTable, pos: PbPositions): PbProject[] {
  requireColumns(table, 'PROJECTS', ['project_id', 'cost'], pos);
  const cols = table.columns;
  const hasName = cols.includes('name');
  const hasVotes = cols.includes('votes');
  const hasScore = cols.includes('score');
  const hasSelected = cols.includes('selected');
  const hasCategory = cols.includes('category');
  const benCol = beneficiariesColumn(cols);
  const extraCols = cols.filter((c) => !PROJECT_TYPED.has(c) && c !== benCol);
  const firstLine = new Map<string, number>();
  const projects: PbProject[] = [];
  for (let r = 0; r < table.rows.length; r++) {
    const row = table.rows[r];
    const line = pos.projects[r];
    const cell = (c: string): string => row[c] ?? '';
    const id = cell('project_id');
    if (id === '') throw new PbParseError(line, 'empty project_id');
    // Ballots list project ids separated by commas, so an id with a comma could never be voted for.
    if (id.indexOf(',') !== -1) throw new PbParseError(line, `project_id "${id}" contains a comma`);
    const seen = firstLine.get(id);
    if (seen !== undefined) throw new PbParseError(line, `duplicate project_id "${id}" (first on line ${seen})`);
    firstLine.set(id, line);
    const costText = cell('cost');
    const cost = tryParseDecimal(costText);
    if (cost === undefined || cost.units < 0n) {
      throw new PbParseError(line, `project "${id}": cost must be a non-negative decimal number, found ${JSON.stringify(costText)}`);
    }
    const p: PbProject = { id, cost, categories: [], beneficiaries: [], extra: {} };
    if (hasName) p.name = cell('name');
    const votesText = cell('votes');
    if (hasVotes && votesText !== '') {
      if (!/^[0-9]+$/.test(votesText) || !Number.isSafeInteger(Number(votesText))) {
        throw new PbParseError(line, `project "${id}": votes must be a non-negative integer, found ${JSON.stringify(votesText)}`);
      }
      p.votes = Number(votesText);
    }
    const scoreText = cell('score');
    if (hasScore && scoreText !== '') {
      const score = tryParseDecimal(scoreText);
      if (score === undefined) throw new PbParseError(line, `project "${id}": score must be a decimal number, found ${JSON.stringify(scoreText)}`);
      p.score = score;
    }
    if (hasSelected) p.selected = cell('selected');
    if (hasCategory) p.categories = splitList(cell('category'));
    if (benCol !== undefined) p.beneficiaries = splitList(cell(benCol));
    for (const c of extraCols) p.extra[c] = cell(c);
    projects.push(p);
  }
  return projects;
}

function readVotes(table: PbTable, pos: PbPositions, projects: PbProject[], voteType: PbVoteType, warn: PbWarnings): PbVote[] {
  requireColumns(table, 'VOTES', ['voter_id', 'vote'], pos);
  const known = new Set(projects.map((p) => p.id));
  const hasPoints = table.columns.includes('points');
  const extraCols = table.columns.filter((c) => !VOTE_TYPED.has(c));
  const firstLine = new Map<string, number>();
  const votes: PbVote[] = [];
  for (let r = 0; r < table.rows.length; r++) {
    const row = table.rows[r];
    const line = pos.votes[r];
    const cell = (c: string): string => row[c] ?? '';
    let voterId = cell('voter_id');
    if (voterId === '') throw new PbParseError(line, 'empty voter_id');
    const seen = firstLine.get(voterId);
    if (seen !== undefined) {
      let k = 2;
      while (firstLine.has(`${voterId}#${k}`)) k++;
      const renamed = `${voterId}#${k}`;
      warn.add(line, 'duplicate-voter-id', `duplicate voter_id "${voterId}" (first on line ${seen})`, `keep both ballots, this one as "${renamed}"`);
      voterId = renamed;
    }
    firstLine.set(voterId, line);
    const voteCell = cell('vote');
    let ids = splitList(voteCell);
    if (ids.length > 1 && voteCell.indexOf(' ') !== -1 && ids.join(',') !== voteCell) {
      warn.add(line, 'stray-whitespace', `voter "${voterId}": spaces between the project ids of the vote`, 'trim them');
    }
    let pointItems = hasPoints ? splitList(cell('points')) : undefined;
    // Ballots are short (a handful of ids), where a pairwise scan beats allocating a Set per ballot.
    let dropped: Set<number> | undefined;
    for (let a = 0; a < ids.length - 1; a++) {
      if (dropped?.has(a)) continue;
      let times = 1;
      for (let j = a + 1; j < ids.length; j++) {
        if (ids[j] === ids[a]) {
          (dropped ??= new Set()).add(j);
          times++;
        }
      }
      if (times > 1) {
        warn.add(line, 'duplicate-project-in-vote', `voter "${voterId}" names project "${ids[a]}" ${times === 2 ? 'twice' : `${times} times`}`, 'count it once');
      }
    }
    if (dropped) {
      const drop = dropped;
      const total = ids.length;
      ids = ids.filter((_, i) => !drop.has(i));
      if (pointItems && pointItems.length === total) pointItems = pointItems.filter((_, i) => !drop.has(i));
    }
    for (const id of ids) {
      if (!known.has(id)) {
        throw new PbParseError(line, id === '' ? `voter "${voterId}": empty project id in vote ${JSON.stringify(cell('vote'))}` : `voter "${voterId}": unknown project id "${id}" in vote`);
      }
    }
    if (voteType === 'choose-1' && ids.length !== 1) {
      throw new PbParseError(line, `voter "${voterId}": a choose-1 ballot names exactly one project, found ${ids.length}`);
    }
    const vote: PbVote = { voterId, projects: ids, extra: {} };
    if (pointItems) {
      const items = pointItems;
      if (items.length !== ids.length) {
        throw new PbParseError(line, `voter "${voterId}": ${items.length} points for ${ids.length} projects in vote`);
      }
      const points: PbDecimal[] = new Array<PbDecimal>(items.length);
      for (let i = 0; i < items.length; i++) {
        const d = tryParseDecimal(items[i]);
        if (d === undefined) throw new PbParseError(line, `voter "${voterId}": points item ${i + 1} is not a number: ${JSON.stringify(items[i])}`);
        points[i] = d;
      }
      vote.points = points;
    }
    for (const c of extraCols) vote.extra[c] = cell(c);
    votes.push(vote);
  }
  return votes;
}

// Positions from parsePb are only trusted while they still describe the document (rows not added or removed since).
function positionsFor(doc: PbDocument): PbPositions {
  const p = doc.positions;
  if (
    p &&
    p.meta.size === doc.meta.size &&
    p.projects.length === doc.projects.rows.length &&
    p.votes.length === doc.votes.rows.length &&
    [...doc.meta.keys()].every((k) => p.meta.has(k))
  ) {
    return p;
  }
  return canonicalPositions(doc);
}

/** Line numbers of a document as `writePb` lays it out (used for documents that did not come from `parsePb`). */
export function canonicalPositions(doc: PbDocument): PbPositions {
  let line = 1;
  const metaSection = line++;
  const metaHeader = line++;
  const meta = new Map<string, number>();
  for (const key of doc.meta.keys()) meta.set(key, line++);
  const projectsSection = line++;
  const projectsHeader = line++;
  const projects = doc.projects.rows.map(() => line++);
  const votesSection = line++;
  const votesHeader = line++;
  const votes = doc.votes.rows.map(() => line++);
  return {
    sections: { META: metaSection, PROJECTS: projectsSection, VOTES: votesSection },
    headers: { META: metaHeader, PROJECTS: projectsHeader, VOTES: votesHeader },
    meta,
    projects,
    votes,
    lastLine: line - 1,
  };
}

export interface FromElectionOptions {
  /** Column order; defaults to `e.layout`, else `project_id;cost;votes;score;name;category;beneficiaries;selected` (those used) then extras. */
  projectColumns?: string[];
  /** Column order; defaults to `e.layout`, else `voter_id;vote;points` (points if any ballot has them) then extras. */
  voteColumns?: string[];
  lineEnding?: PbLineEnding;
  finalNewline?: boolean;
}

/**
 * The document for an election (inverse of `toElection`; see `PbElection` for how META is written). Columns not in
 * the chosen order but used by some project or ballot (`extra` keys) are appended. Does not re-validate ids.
 */
export function fromElection(e: PbElection, options: FromElectionOptions = {}): PbDocument {
  const meta = new Map(e.meta);
  meta.set('num_projects', String(e.projects.length));
  meta.set('num_votes', String(e.votes.length));
  meta.set('budget', decimalToString(e.budget));
  meta.set('vote_type', e.voteType);
  meta.set('rule', e.rule);
  for (const [key, field] of STRING_KEYS) {
    const v = e[field];
    if (v !== undefined) meta.set(key, v);
  }
  for (const [key, field] of INT_KEYS) {
    const v = e[field];
    if (v !== undefined) meta.set(key, String(v));
  }
  for (const [key, field] of DECIMAL_KEYS) {
    const v = e[field];
    if (v !== undefined) meta.set(key, decimalToString(v));
  }
  for (const [namesKey, namesField, budgetsKey, budgetsField] of LIST_KEYS) {
    const names = e[namesField];
    if (names !== undefined) meta.set(namesKey, names.join(','));
    const budgets = e[budgetsField];
    if (budgets !== undefined) meta.set(budgetsKey, budgets.map(decimalToString).join(','));
  }

  for (const p of e.projects) {
    if (p.id === '' || p.id.indexOf(',') !== -1 || p.id.trim() !== p.id) {
      throw new RangeError(`project id ${JSON.stringify(p.id)} cannot be written: ballots list ids separated by commas and trim them`);
    }
  }
  const layout = e.layout;
  const projectColumns = withExtras(options.projectColumns ?? layout?.projectColumns ?? defaultProjectColumns(e.projects), e.projects);
  const voteColumns = withExtras(options.voteColumns ?? layout?.voteColumns ?? defaultVoteColumns(e.votes), e.votes);
  const benCol = beneficiariesColumn(projectColumns);

  const projectRows = e.projects.map((p) => {
    const row: Record<string, string> = {};
    for (const c of projectColumns) {
      let cell: string;
      if (c === 'project_id') cell = p.id;
      else if (c === 'cost') cell = decimalToString(p.cost);
      else if (c === 'votes') cell = p.votes === undefined ? '' : String(p.votes);
      else if (c === 'score') cell = p.score === undefined ? '' : decimalToString(p.score);
      else if (c === 'name') cell = p.name ?? '';
      else if (c === 'selected') cell = p.selected ?? '';
      else if (c === 'category') cell = p.categories.join(',');
      else if (c === benCol) cell = p.beneficiaries.join(',');
      else cell = p.extra[c] ?? '';
      row[c] = cell;
    }
    return row;
  });
  const voteRows = e.votes.map((v) => {
    const row: Record<string, string> = {};
    for (const c of voteColumns) {
      let cell: string;
      if (c === 'voter_id') cell = v.voterId;
      else if (c === 'vote') cell = v.projects.join(',');
      else if (c === 'points') cell = v.points === undefined ? '' : v.points.map(decimalToString).join(',');
      else cell = v.extra[c] ?? '';
      row[c] = cell;
    }
    return row;
  });

  const doc: PbDocument = {
    meta,
    projects: { columns: projectColumns, rows: projectRows },
    votes: { columns: voteColumns, rows: voteRows },
    lineEnding: options.lineEnding ?? layout?.lineEnding ?? '\n',
    finalNewline: options.finalNewline ?? layout?.finalNewline ?? true,
  };
  // Per-line endings only make sense for the very lines they were read from.
  const sameShape =
    layout !== undefined && options.lineEnding === undefined && meta.size === e.meta.size && sameColumns(projectColumns, layout.projectColumns) && sameColumns(voteColumns, layout.voteColumns);
  if (sameShape && layout.lineEndingOverrides) doc.lineEndingOverrides = new Map(layout.lineEndingOverrides);
  if (layout?.bom) doc.bom = true;
  return doc;
}

function sameColumns(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}

function defaultProjectColumns(projects: PbProject[]): string[] {
  const cols = ['project_id', 'cost'];
  if (projects.some((p) => p.votes !== undefined)) cols.push('votes');
  if (projects.some((p) => p.score !== undefined)) cols.push('score');
  if (projects.some((p) => p.name !== undefined)) cols.push('name');
  if (projects.some((p) => p.categories.length > 0)) cols.push('category');
  if (projects.some((p) => p.beneficiaries.length > 0)) cols.push('beneficiaries');
  if (projects.some((p) => p.selected !== undefined)) cols.push('selected');
  return cols;
}

function defaultVoteColumns(votes: PbVote[]): string[] {
  const cols = ['voter_id', 'vote'];
  if (votes.some((v) => v.points !== undefined)) cols.push('points');
  return cols;
}

function withExtras(columns: string[], items: { extra: Record<string, string> }[]): string[] {
  const out = [...columns];
  const have = new Set(out);
  for (const item of items) {
    for (const key of Object.keys(item.extra)) {
      if (!have.has(key)) {
        have.add(key);
        out.push(key);
      }
    }
  }
  return out;
}
