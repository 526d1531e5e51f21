import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { publicRegistrations, rollRegistrations, VOTERS_PER_EVENT } from './registration';
import type { RollEntry } from './roll';

const secret = randomBytes(32);
const units = ['centre', 'north', 'south'];

describe('registrations in public', () => {
  it('the public order of pseudonyms does not depend on the order of the roll (shuffled rolls give the same events)', () => {
    const entry = fc.record({ id: fc.string({ minLength: 1, maxLength: 12 }), unit: fc.constantFrom(...units), birthYear: fc.option(fc.integer({ min: 1920, max: 2010 }), { nil: undefined }) });
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: (e) => e.id, minLength: 1, maxLength: 60 }), fc.integer(), (rows, seed) => {
        const roll: RollEntry[] = rows.map((r, i) => ({ residentId: r.id, unitId: r.unit, line: i + 2, ...(r.birthYear !== undefined ? { birthYear: r.birthYear } : {}) }));
        // Another order of the same roll (a seeded Fisher–Yates), lines renumbered as the file would have them.
        const shuffled = [...roll];
        let x = seed;
        for (let i = shuffled.length - 1; i > 0; i--) {
          x = (Math.imul(x, 1103515245) + 12345) | 0;
          const j = Math.abs(x) % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
        }
        const publish = (entries: RollEntry[]) => publicRegistrations('roll', rollRegistrations(entries, secret, {}, 2027).registrations);
        const a = publish(roll);
        const b = publish(shuffled.map((e, i) => ({ ...e, line: i + 2 })));
        expect(b).toEqual(a);
        const pseudonyms = a.flatMap((p) => p.voters.map((v) => v.pseudonym));
        expect(pseudonyms).toEqual([...pseudonyms].sort());
        // Pseudonym and unit only: no age band in any per-voter event.
        for (const p of a) for (const v of p.voters) expect(Object.keys(v).sort()).toEqual(['pseudonym', 'unitId']);
      }),
    );
  });

  it('a large batch is cut into events in one pseudonym order across them, with the change that allowed it', () => {
    const regs = Array.from({ length: 2500 }, (_, i) => ({ pseudonym: randomBytes(32).toString('hex'), unitId: units[i % 3], ageBand: '65+' as const }));
    const payloads = publicRegistrations('codes', regs, '01900000-0000-7000-8000-000000000009');
    expect(payloads.map((p) => p.voters.length)).toEqual([VOTERS_PER_EVENT, VOTERS_PER_EVENT, 500]);
    const all = payloads.flatMap((p) => p.voters.map((v) => v.pseudonym));
    expect(all).toEqual(regs.map((r) => r.pseudonym).sort());
    expect(payloads.every((p) => p.changeId === '01900000-0000-7000-8000-000000000009' && p.source === 'codes')).toBe(true);
  });
});
