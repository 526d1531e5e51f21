import { jsonDepthExceeds, jsonProblems, queryProblems, unstorableText } from './input';

describe('input checks', () => {
  it('measures JSON depth without recursion, ignoring brackets inside strings', () => {
    expect(jsonDepthExceeds('['.repeat(100_000) + ']'.repeat(100_000), 16)).toBe(true);
    expect(jsonDepthExceeds('{"a":{"b":[1,[2]]}}', 4)).toBe(false);
    expect(jsonDepthExceeds('{"a":{"b":[1,[2]]}}', 3)).toBe(true);
    expect(jsonDepthExceeds(JSON.stringify({ s: '[[[[[[[[["\\' }), 2)).toBe(false);
  });

  it('names the fields holding text PostgreSQL cannot store, unsafe numbers and prototype keys', () => {
    const body = JSON.parse('{"name":"a\\u0000b","units":[{"id":"\\ud800"}],"n":9223372036854775807,"ok":"żółw 💥","__proto__":{},"x":{"constructor":1}}');
    expect(jsonProblems(body)).toEqual([
      { field: 'name', messages: ['name must not contain NUL characters'] },
      { field: 'units.0.id', messages: ['units.0.id must not contain unpaired surrogates (not valid Unicode)'] },
      { field: 'n', messages: ['n must be a number between -(2^53 - 1) and 2^53 - 1'] },
      { field: '__proto__', messages: ['property __proto__ should not exist'] },
      { field: 'x.constructor', messages: ['property constructor should not exist'] },
    ]);
    expect(jsonProblems({ a: [1, 'two', { b: Number.MAX_SAFE_INTEGER }], prototypeish: true })).toEqual([]);
    expect(unstorableText('\ud83d\udca5')).toBeUndefined();
  });

  it('checks the query as sent: invalid percent-encoding, NUL and surrogates are refused by name', () => {
    expect(queryProblems('/p?q=a%00b&ok=1')).toEqual([{ field: 'q', messages: ['q must not contain NUL characters'] }]);
    expect(queryProblems('/p?q=%ff')).toEqual([{ field: 'q', messages: ['q is not valid UTF-8 percent-encoding'] }]);
    expect(queryProblems('/p?q=%ed%a0%80')[0].field).toBe('q');
    expect(queryProblems('/p?__proto__=1')[0].messages).toEqual(['property __proto__ should not exist']);
    expect(queryProblems('/p?q=%C5%BC%C3%B3%C5%82w+x&empty=&flag')).toEqual([]);
  });
});
