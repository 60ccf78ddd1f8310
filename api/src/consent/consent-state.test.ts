import { describe, expect, it } from 'vitest';
import { createConsentStateCodec, type ConsentStateClaims } from './consent-state.js';

const claims: ConsentStateClaims = {
  tenantId: '11111111-2222-4333-8444-555555555555',
  userId: 'admin-object-id',
  userPrincipalName: 'admin@contoso.onmicrosoft.com',
  service: 'exchangeOnline',
  step: 'exchangeWebServices',
  reauthorise: false,
};
const key = Buffer.alloc(32, 1);

describe('consent state', () => {
  it('round-trips the claims it was issued for', () => {
    const codec = createConsentStateCodec({ key });
    const verified = codec.verify(codec.issue(claims));
    expect(verified).toMatchObject({ ok: true, value: claims });
  });

  it('gives every round trip its own nonce', () => {
    const codec = createConsentStateCodec({ key });
    const first = codec.verify(codec.issue(claims));
    const second = codec.verify(codec.issue(claims));
    expect(first.ok && second.ok && first.value.nonce !== second.value.nonce).toBe(true);
  });

  it('refuses a state whose claims were changed (another tenant or step)', () => {
    const codec = createConsentStateCodec({ key });
    const [payload, signature] = codec.issue(claims).split('.');
    const decoded = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
    const forged = Buffer.from(
      JSON.stringify({ ...decoded, tenantId: '99999999-2222-4333-8444-555555555555' }),
    ).toString('base64url');
    expect(codec.verify(`${forged}.${signature}`)).toEqual({ ok: false, reason: 'state_signature_invalid' });
  });

  it('refuses a state signed with another key', () => {
    const state = createConsentStateCodec({ key: Buffer.alloc(32, 2) }).issue(claims);
    expect(createConsentStateCodec({ key }).verify(state)).toEqual({
      ok: false,
      reason: 'state_signature_invalid',
    });
  });

  it('refuses an expired state', () => {
    let clock = 1_000;
    const codec = createConsentStateCodec({ key, ttlSeconds: 600, now: () => clock });
    const state = codec.issue(claims);
    clock += 601;
    expect(codec.verify(state)).toEqual({ ok: false, reason: 'state_expired' });
  });

  it.each([undefined, '', 'abc', 'a.b.c', '!!!.???'])('refuses malformed state %j', (state) => {
    const result = createConsentStateCodec({ key }).verify(state);
    expect(result.ok).toBe(false);
  });

  it('refuses a key shorter than 32 bytes', () => {
    expect(() => createConsentStateCodec({ key: Buffer.alloc(16) })).toThrow(/32 bytes/);
  });
});
