/** What the hosts read from Teams and from the consent callback page. */
import { describe, expect, it } from 'vitest';
import { isConsentResult, parseConsentResult, themeFromTeams } from './tab-host.js';

describe('themeFromTeams', () => {
  it.each([
    ['default', 'light'],
    ['dark', 'dark'],
    ['contrast', 'contrast'],
    [undefined, 'light'],
    ['something new', 'light'],
  ] as const)('%s → %s', (teams, ours) => {
    expect(themeFromTeams(teams)).toBe(ours);
  });
});

describe('consent results', () => {
  const result = { type: 'cas-consent-result', ok: false, code: 'declined', message: 'Declined.' };

  it.each([
    [JSON.stringify(result), result],
    ['CancelledByUser', null],
    [JSON.stringify({ ...result, type: 'other' }), null],
    [JSON.stringify({ ...result, ok: 'no' }), null],
    ['', null],
  ])('parses %s', (text, parsed) => {
    expect(parseConsentResult(text)).toEqual(parsed);
  });

  it('accepts only the callback page message', () => {
    expect(isConsentResult(result)).toBe(true);
    expect(isConsentResult(null)).toBe(false);
    expect(isConsentResult('cas-consent-result')).toBe(false);
  });
});
