/**
 * The proposal form's own checks: exactly the rules of apps/proposals' SubmitProposalDto / EditProposalDto
 * (class-validator: unitId pattern, title 3..200, description ≤ 10000, estimatedCost a non-negative safe
 * integer of minor units, location 1..500 or empty on edit) and the decider's unit and over-budget refusals,
 * so the page says what the API would say before a request is sent. Pure, for the unit test.
 */
import type { BudgetUnit } from '../../api/types';

export const UNIT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;
export const TITLE_MIN = 3;
export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 10_000;
export const LOCATION_MAX = 500;

export interface ProposalInput {
  readonly unitId: string;
  readonly title: string;
  readonly description: string;
  /** Minor units, or undefined when the typed amount is not a number of currency units. */
  readonly estimatedCost: number | undefined;
  readonly location: string;
}

export type ProposalProblem =
  | { field: 'unitId'; kind: 'unitId' }
  | { field: 'title'; kind: 'titleShort' | 'titleLong' }
  | { field: 'description'; kind: 'descriptionLong' }
  | { field: 'estimatedCost'; kind: 'estimatedCost' }
  | { field: 'estimatedCost'; kind: 'overBudget'; unit: BudgetUnit; cost: number }
  | { field: 'location'; kind: 'locationLong' };

/** What the API would refuse in this input (class-validator counts UTF-16 code units, as String#length). */
export function proposalProblems(input: ProposalInput, units: readonly BudgetUnit[]): ProposalProblem[] {
  const problems: ProposalProblem[] = [];
  const unit = units.find((u) => u.id === input.unitId);
  if (!UNIT_ID_PATTERN.test(input.unitId) || !unit) problems.push({ field: 'unitId', kind: 'unitId' });
  if (input.title.length < TITLE_MIN) problems.push({ field: 'title', kind: 'titleShort' });
  if (input.title.length > TITLE_MAX) problems.push({ field: 'title', kind: 'titleLong' });
  if (input.description.length > DESCRIPTION_MAX) problems.push({ field: 'description', kind: 'descriptionLong' });
  const cost = input.estimatedCost;
  if (cost === undefined || !Number.isSafeInteger(cost) || cost < 0) problems.push({ field: 'estimatedCost', kind: 'estimatedCost' });
  else if (unit && cost > unit.budget) problems.push({ field: 'estimatedCost', kind: 'overBudget', unit, cost });
  if (input.location.length > LOCATION_MAX) problems.push({ field: 'location', kind: 'locationLong' });
  return problems;
}
