import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  BALLOT_TYPES,
  BallotRules,
  BUDGET_UNIT_KINDS,
  BudgetUnit,
  Eligibility,
  ELIGIBILITY_MODES,
  OUTCOME_RULE_NAMES,
  OutcomeRule,
  PAPER_POLICIES,
  PhaseSchedule,
  RoundConfig,
  SUPPORT_THRESHOLD_KINDS,
  SupportPhase,
  SupportThreshold,
} from '@plaza/contracts';

/**
 * OpenAPI descriptions of the shared round-config classes. The classes live in @plaza/contracts, which must not
 * depend on NestJS, so their Swagger metadata is attached here, once, when the proposals API loads: the same
 * classes then validate HTTP bodies, commands and consumed events, and document the API.
 */
type Doc = NonNullable<Parameters<typeof ApiProperty>[0]>;

function document(target: abstract new () => object, props: Record<string, Doc & { optional?: boolean }>): void {
  for (const [name, { optional, ...doc }] of Object.entries(props)) {
    (optional ? ApiPropertyOptional(doc) : ApiProperty(doc))(target.prototype, name);
  }
}

const timestamp = (description: string): Doc & { optional: true } => ({
  optional: true,
  type: String,
  format: 'date-time',
  example: '2027-03-01T08:00:00Z',
  description: `${description} (UTC ISO-8601). Absent: an administrator moves the round by hand.`,
});

document(BudgetUnit, {
  id: { example: 'north', description: 'Short stable id: 1-40 lower-case letters, digits or dashes' },
  name: { example: 'North district' },
  kind: { enum: BUDGET_UNIT_KINDS, example: 'district' },
  budget: { type: Number, example: 100_000_000, description: 'Budget in minor units of the round currency (e.g. grosze)' },
});

document(PhaseSchedule, {
  submissionOpensAt: timestamp('When submission opens'),
  supportOpensAt: timestamp('Rounds with a support phase: when submission closes and the support phase opens'),
  reviewStartsAt: timestamp('When submission closes and review starts'),
  votingOpensAt: timestamp('When voting opens'),
  votingClosesAt: timestamp('When voting closes'),
  resultsPublishedAt: timestamp('When results are published'),
});

document(BallotRules, {
  type: { enum: BALLOT_TYPES, example: 'approval' },
  minPicks: { optional: true, type: Number, example: 1, description: 'approval, knapsack, ranked: fewest projects (ranking length) per ballot' },
  maxPicks: { optional: true, type: Number, example: 5, description: 'approval, knapsack, ranked: most projects (ranking length) per ballot' },
  maxSumCost: { optional: true, type: Number, description: 'knapsack: cost limit of one ballot in minor units (default: the unit budget)' },
  totalPoints: { optional: true, type: Number, example: 10, description: 'cumulative: points each voter distributes' },
  maxPointsPerProject: { optional: true, type: Number, example: 5, description: 'cumulative: most points one project may get from one voter' },
  rankPoints: { optional: true, type: [Number], example: [3, 2, 1], description: 'ranked: points for rank 1, 2, … (default Borda)' },
});

document(OutcomeRule, {
  rule: { enum: OUTCOME_RULE_NAMES, example: 'equalshares/add1', description: 'Rule of libs/tally that selects the winners of each unit' },
  threshold: { optional: true, type: Number, description: 'greedy-threshold only: minimum support (votes or points)' },
  reserveFraction: { optional: true, type: String, example: '0.8', description: 'Poznań reserve rule: share of the budget the first pass may spend' },
  exclusiveGroups: {
    optional: true,
    type: 'array',
    items: { type: 'array', items: { type: 'string', format: 'uuid' } },
    description: 'Mutually exclusive proposals (ids, same unit): at most one per group is funded',
  },
  reportTies: { optional: true, type: Boolean, description: 'Report a tie at the budget boundary instead of breaking it' },
});

document(Eligibility, {
  mode: { enum: ELIGIBILITY_MODES, example: 'roll', description: 'roll: residents on the voter roll; codes: single-use voting codes' },
  minAge: { optional: true, type: Number, example: 16, description: 'roll mode: minimum age when voting opens' },
  paperPolicy: { enum: PAPER_POLICIES, example: 'refuse-if-voted-online', description: 'What a paper ballot does when the voter also voted online' },
});

document(SupportThreshold, {
  kind: { enum: SUPPORT_THRESHOLD_KINDS, example: 'top', description: 'count: at least minSupports; top: the perUnit most supported of each unit (ties at the boundary all go on)' },
  minSupports: { optional: true, type: Number, example: 50, description: 'count only: the fewest supports a proposal needs' },
  perUnit: { optional: true, type: Number, example: 10, description: 'top only: proposals of each unit that go to review' },
});

document(SupportPhase, {
  supportsPerResident: { type: Number, example: 3, description: 'How many proposals one resident may support at once' },
  threshold: { type: () => SupportThreshold },
});

document(RoundConfig, {
  name: { example: 'Green Budget 2027' },
  description: { optional: true, type: String, maxLength: 10000, description: 'Free text about the round, e.g. where an imported round came from and how its file was read' },
  currency: { example: 'PLN', description: 'ISO 4217 code' },
  units: { type: () => [BudgetUnit], description: 'Districts and/or categories, each with its own budget (ids unique)' },
  schedule: { type: () => PhaseSchedule },
  ballot: { type: () => BallotRules },
  outcome: { type: () => OutcomeRule },
  eligibility: { type: () => Eligibility },
  support: { optional: true, type: () => SupportPhase, description: 'Optional support phase between submission and review: its selection decides which proposals go to review' },
});
