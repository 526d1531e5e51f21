import { ageBand, parseRoll, referenceYear } from './roll';

const config = { units: [{ id: 'centre' }, { id: 'north' }] } as never;

describe('voter roll', () => {
  it('reads residents with optional birth years, quotes and a BOM', () => {
    const { entries, problems } = parseRoll('\uFEFFresident_id,unit_id,birth_year\r\nR-1,centre,1980\n"R,2",north,\n\nR-3,centre,2009\n', config, 2027);
    expect(problems).toEqual([]);
    expect(entries).toEqual([
      { residentId: 'R-1', unitId: 'centre', birthYear: 1980, line: 2 },
      { residentId: 'R,2', unitId: 'north', line: 3 },
      { residentId: 'R-3', unitId: 'centre', birthYear: 2009, line: 5 },
    ]);
  });

  it('accepts district as the unit column and no birth year column', () => {
    expect(parseRoll('Resident_ID,District\nR-1,north', config, 2027).entries).toEqual([{ residentId: 'R-1', unitId: 'north', line: 2 }]);
  });

  it('reports every bad line with its number', () => {
    const { problems } = parseRoll('resident_id,unit_id,birth_year\nR-1,south,1980\nR-2,centre,19x0\nR-1,centre,1990\nR-4,centre\n"R-5,centre,1990\n', config, 2027);
    expect(problems).toEqual([
      { field: 'csv.2', message: 'unit south is not part of this round' },
      { field: 'csv.3', message: 'birth_year 19x0 is not a plausible year' },
      { field: 'csv.4', message: 'resident R-1 is already on line 2' },
      { field: 'csv.5', message: '2 value(s), the header names 3' },
      { field: 'csv.6', message: 'unbalanced quotes' },
    ]);
  });

  it('refuses a file without the header or without residents', () => {
    expect(parseRoll('R-1,centre', config, 2027).problems[0].field).toBe('csv.1');
    expect(parseRoll('resident_id,unit_id,shoe_size\nR-1,centre,44', config, 2027).problems).toEqual([{ field: 'csv.1', message: 'unknown column shoe_size' }]);
    expect(parseRoll('resident_id,unit_id\n', config, 2027).problems).toEqual([{ field: 'csv', message: 'the roll names no residents' }]);
  });

  it('bands ages and takes the year voting opens', () => {
    expect([15, 16, 17, 18, 29, 30, 44, 45, 64, 65, 99].map(ageBand)).toEqual([
      undefined, '16-17', '16-17', '18-29', '18-29', '30-44', '30-44', '45-64', '45-64', '65+', '65+',
    ]);
    expect(referenceYear({ schedule: { votingOpensAt: '2028-01-10T08:00:00Z' } }, new Date('2027-12-01T00:00:00Z'))).toBe(2028);
    expect(referenceYear({ schedule: {} }, new Date('2027-12-01T00:00:00Z'))).toBe(2027);
  });
});
