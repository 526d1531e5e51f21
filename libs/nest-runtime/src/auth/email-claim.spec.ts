import { emailOf } from './token-verifier';

describe('the email claim a caller carries', () => {
  it('is taken when it looks like an address and is not marked unverified', () => {
    expect(emailOf({ email: 'a@b.example' })).toEqual({ email: 'a@b.example' });
    expect(emailOf({ email: 'a@b.example', email_verified: true })).toEqual({ email: 'a@b.example' });
  });

  it('is left out when absent, unverified or not an address', () => {
    expect(emailOf({})).toEqual({});
    expect(emailOf({ email: 'a@b.example', email_verified: false })).toEqual({});
    expect(emailOf({ email: 'no at sign' })).toEqual({});
    expect(emailOf({ email: 42 })).toEqual({});
    expect(emailOf({ email: `${'a'.repeat(250)}@b.example` })).toEqual({});
  });
});
