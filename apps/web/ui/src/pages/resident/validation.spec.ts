import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import fc from 'fast-check';
import { EditProposalDto, SubmitProposalDto } from '../../../../../proposals/src/proposals/dto/proposal.dto';
import en from '../../i18n/resident.en';
import { proposalProblems, type ProposalInput } from './validation';

/**
 * The proposal form's checks against the API's own DTOs: for any input the page refuses exactly the fields
 * class-validator refuses, and for the fields typed as text it says so in the API's words (the English
 * strings are the DTO's messages). The cost is typed in currency units, so only whether it is refused is
 * compared there.
 */
const UNITS = [
  { id: 'north', name: 'North', kind: 'district', budget: Number.MAX_SAFE_INTEGER },
  { id: 'green', name: 'Green', kind: 'category', budget: Number.MAX_SAFE_INTEGER },
] as const;
const messages = en.resident.form.errors;
const wording: Record<string, string> = {
  unitId: messages.unitId,
  titleShort: messages.titleShort,
  titleLong: messages.titleLong,
  descriptionLong: messages.descriptionLong,
  locationLong: messages.locationLong,
};

async function apiErrors(dto: typeof SubmitProposalDto | typeof EditProposalDto, body: object): Promise<Record<string, string[]>> {
  const errors = await validate(plainToInstance(dto, body), { whitelist: true, forbidNonWhitelisted: true });
  return Object.fromEntries(errors.map((e) => [e.property, Object.values(e.constraints ?? {})]));
}

function pageErrors(input: ProposalInput): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of proposalProblems(input, UNITS)) out[p.field] = [...(out[p.field] ?? []), wording[p.kind] ?? p.kind];
  return out;
}

/** The body the page sends for an input: location left out when empty on submit, sent as is on edit. */
function bodyOf(input: ProposalInput, edit: boolean): object {
  const body = { unitId: input.unitId, title: input.title, description: input.description, estimatedCost: input.estimatedCost };
  return edit || input.location ? { ...body, location: input.location } : body;
}

const text = (max: number) => fc.oneof(fc.string({ maxLength: 5 }), fc.string({ minLength: max - 3, maxLength: max + 3 }));
const input = fc.record({
  unitId: fc.constantFrom('', 'north', 'green'),
  title: text(200),
  description: fc.oneof(fc.string({ maxLength: 5 }), fc.string({ minLength: 9_998, maxLength: 10_002 })),
  estimatedCost: fc.oneof(fc.nat(), fc.constant(undefined), fc.constant(Number.MAX_SAFE_INTEGER), fc.constant(Number.MAX_SAFE_INTEGER + 1)),
  location: text(500),
});

describe('proposal form checks (pages/resident/validation)', () => {
  it.each([
    ['submit', SubmitProposalDto, false],
    ['edit', EditProposalDto, true],
  ] as const)('refuse on %s exactly what the API refuses, in its words', async (_name, dto, edit) => {
    await fc.assert(
      fc.asyncProperty(input, async (i) => {
        // An edit may leave the cost out, but the page always sends one: no typed amount is its own refusal.
        fc.pre(!edit || i.estimatedCost !== undefined);
        const api = await apiErrors(dto, bodyOf(i, edit));
        const page = pageErrors(i);
        expect(Object.keys(page).sort()).toEqual(Object.keys(api).sort());
        for (const field of ['unitId', 'title', 'description', 'location']) expect(page[field]).toEqual(api[field]);
      }),
      { numRuns: 150 },
    );
  });

  it('refuses a cost over the unit budget as the decider does', () => {
    const units = [{ id: 'north', name: 'North', kind: 'district' as const, budget: 100_00 }];
    const ok = { unitId: 'north', title: 'Trees', description: '', location: '' };
    expect(proposalProblems({ ...ok, estimatedCost: 100_00 }, units)).toEqual([]);
    expect(proposalProblems({ ...ok, estimatedCost: 100_01 }, units)).toEqual([{ field: 'estimatedCost', kind: 'overBudget', unit: units[0], cost: 100_01 }]);
    expect(proposalProblems({ ...ok, unitId: 'south', estimatedCost: 1 }, units)).toEqual([{ field: 'unitId', kind: 'unitId' }]);
  });
});
