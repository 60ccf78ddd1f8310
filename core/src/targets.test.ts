import { describe, expect, it } from 'vitest';
import {
  addTargets,
  escapeODataString,
  MAX_SELECTED_TARGETS,
  parseGroupQuery,
  parseUserPrincipalName,
  removeTargets,
  verifiedTargets,
  type UpnErrorCode,
} from './targets.js';
import { errorOf, target, targetRange, valueOf } from './test-support/fixtures.js';
import type { DirectoryUser } from './directory.js';

describe('By User: user principal names', () => {
  it.each([
    ['a plain name', 'megan.bowen@contoso.com', 'megan.bowen@contoso.com'],
    ['an apostrophe', "conor.o'neil@contoso.com", "conor.o'neil@contoso.com"],
    ['surrounding spaces and tabs', '  \tadele.vance@contoso.com \n', 'adele.vance@contoso.com'],
    [
      'a guest (#EXT#)',
      'alex_fabrikam.com#EXT#@contoso.onmicrosoft.com',
      'alex_fabrikam.com#EXT#@contoso.onmicrosoft.com',
    ],
    [
      "every character Entra allows: ' . - _ ! # ^ ~",
      "a'b.c-d_e!f#g^h~i@contoso.com",
      "a'b.c-d_e!f#g^h~i@contoso.com",
    ],
    ['upper case kept as typed', 'Lee.Gu@Contoso.COM', 'Lee.Gu@Contoso.COM'],
    [
      'a sub-domain with digits and hyphens',
      'it-ops@mail-01.eu.contoso.com',
      'it-ops@mail-01.eu.contoso.com',
    ],
    ['a 64-character local part', `${'a'.repeat(64)}@contoso.com`, `${'a'.repeat(64)}@contoso.com`],
    [
      '113 characters in all',
      `${'a'.repeat(64)}@${'b'.repeat(44)}.com`,
      `${'a'.repeat(64)}@${'b'.repeat(44)}.com`,
    ],
  ])('R7: accepts %s', (_, input, expected) => {
    expect(valueOf(parseUserPrincipalName(input))).toBe(expected);
  });

  it.each<[string, string, UpnErrorCode]>([
    ['empty', '', 'upn_empty'],
    ['only spaces', '   ', 'upn_empty'],
    ['no @', 'megan.bowen', 'upn_missing_at'],
    ['two @', 'megan@bowen@contoso.com', 'upn_multiple_at'],
    ['nothing before the @', '@contoso.com', 'upn_local_part_empty'],
    ['a 65-character local part', `${'a'.repeat(65)}@contoso.com`, 'upn_local_part_too_long'],
    ['114 characters in all', `${'a'.repeat(64)}@${'b'.repeat(45)}.com`, 'upn_too_long'],
    ['an accented letter', 'zoë.müller@contoso.com', 'upn_unicode'],
    ['a decomposed accent (NFD)', 'zoe\u0308@contoso.com', 'upn_unicode'],
    ['a Cyrillic look-alike letter', 'аdele@contoso.com', 'upn_unicode'],
    ['an emoji', 'ops🔒@contoso.com', 'upn_unicode'],
    ['a space inside', 'megan bowen@contoso.com', 'upn_invalid_character'],
    ['a plus sign', 'megan+test@contoso.com', 'upn_invalid_character'],
    ['a double quote', '"megan"@contoso.com', 'upn_invalid_character'],
    ['a leading dot', '.megan@contoso.com', 'upn_local_part_dot'],
    ['a dot right before the @', 'megan.@contoso.com', 'upn_local_part_dot'],
    ['no domain', 'megan@', 'upn_invalid_domain'],
    ['a domain without a dot', 'megan@contoso', 'upn_invalid_domain'],
    ['an empty domain label', 'megan@contoso..com', 'upn_invalid_domain'],
    ['a domain label starting with a hyphen', 'megan@-contoso.com', 'upn_invalid_domain'],
    ['an underscore in the domain', 'megan@con_toso.com', 'upn_invalid_domain'],
    ['Unicode in the domain', 'megan@contosö.com', 'upn_invalid_domain'],
  ])('R7: refuses %s', (_, input, code) => {
    expect(errorOf(parseUserPrincipalName(input)).code).toBe(code);
  });

  it('R7: Unicode before the @ gets a message of its own naming the character and what Entra allows', () => {
    const error = errorOf(parseUserPrincipalName('  zoë@contoso.com  '));
    expect(error).toEqual({
      code: 'upn_unicode',
      character: 'ë',
      message: `"ë" cannot be part of a user principal name: Microsoft Entra ID allows only A–Z, a–z, 0–9 and ' . - _ ! # ^ ~ before the @.`,
    });
  });

  it('R7: an empty entry says what to type', () => {
    expect(errorOf(parseUserPrincipalName(' ')).message).toBe(
      'Type the user principal name, for example name@contoso.com.',
    );
  });

  it('R7: the length limits are reported with their maximum', () => {
    expect(errorOf(parseUserPrincipalName(`${'a'.repeat(65)}@contoso.com`)).maximum).toBe(64);
    expect(errorOf(parseUserPrincipalName(`${'a'.repeat(64)}@${'b'.repeat(45)}.com`)).maximum).toBe(113);
  });
});

describe('OData string literals', () => {
  it.each([
    ["conor.o'neil@contoso.com", "conor.o''neil@contoso.com"],
    ["o''brien", "o''''brien"],
    ["'", "''"],
    ['no apostrophe', 'no apostrophe'],
    ['', ''],
  ])('R7: escapes %j as %j for a Graph filter', (value, expected) => {
    expect(escapeODataString(value)).toBe(expected);
  });

  it("R7: a UPN with an apostrophe is accepted, then escaped as conor.o''neil@…", () => {
    const upn = valueOf(parseUserPrincipalName(" conor.o'neil@contoso.com "));
    expect(`userPrincipalName eq '${escapeODataString(upn)}'`).toBe(
      "userPrincipalName eq 'conor.o''neil@contoso.com'",
    );
  });
});

describe('By Group: group name queries', () => {
  it.each([
    ['three letters', 'Fin', 'Fin'],
    ['surrounding spaces trimmed', '  Finance team ', 'Finance team'],
    ['three code points with an accent', 'Zöe', 'Zöe'],
    ['a decomposed accent normalised to NFC', 'Zo\u0308e', 'Zöe'],
    ['an apostrophe (kept; the adapter escapes it)', "O'N", "O'N"],
    ['256 characters', 'g'.repeat(256), 'g'.repeat(256)],
  ])('R7: accepts %s', (_, input, expected) => {
    expect(valueOf(parseGroupQuery(input))).toBe(expected);
  });

  it.each([
    ['empty', '', 0],
    ['two characters', 'Fi', 2],
    ['two characters with spaces around', '  Fi  ', 2],
    ["'Zö' (two code points)", 'Zö', 2],
    ["'Zö' typed with a combining accent", 'Zo\u0308', 2],
    ['an emoji and a letter (three UTF-16 units, two characters)', '🔒x', 2],
  ])('R7: refuses %s as too short', (_, input, length) => {
    expect(errorOf(parseGroupQuery(input))).toEqual({
      code: 'group_query_too_short',
      minimum: 3,
      length,
      message: 'Type at least the first 3 characters of the group name.',
    });
  });

  it('R7: refuses a query longer than a group name can be', () => {
    expect(errorOf(parseGroupQuery('g'.repeat(257)))).toMatchObject({
      code: 'group_query_too_long',
      maximum: 256,
    });
  });
});

describe('Selected Targets', () => {
  it('R8: adds new users in order and reports them', () => {
    const result = valueOf(addTargets([target(1)], [target(2), target(3)]));
    expect(result.targets.map((t) => t.userPrincipalName)).toEqual([
      'user1@contoso.com',
      'user2@contoso.com',
      'user3@contoso.com',
    ]);
    expect(result.added).toHaveLength(2);
    expect(result.duplicates).toEqual([]);
  });

  it('R8: the same user added from two groups is stored once', () => {
    const fromSales = target(7, 'sales');
    const fromFinance = target(7, 'finance');
    const first = valueOf(addTargets([], [fromSales]));
    const second = valueOf(addTargets(first.targets, [fromFinance]));
    expect(second.targets).toEqual([fromSales]);
    expect(second.duplicates).toEqual([fromFinance]);
  });

  it('R8: the same user from a group and by UPN appears once, even within one addition', () => {
    const byGroup = target(4, 'sales');
    const byUpn = { ...target(4), userPrincipalName: 'USER4@Contoso.com' };
    const result = valueOf(addTargets([], [byGroup, target(5), byUpn]));
    expect(result.targets).toEqual([byGroup, target(5)]);
  });

  it('R8: a user with another object id but the same UPN in another case is a duplicate', () => {
    const sameUpn = {
      ...target(9),
      userId: 'ffffffff-0000-4000-8000-000000000000',
      userPrincipalName: 'User9@CONTOSO.com',
    };
    expect(valueOf(addTargets([target(9)], [sameUpn])).added).toEqual([]);
  });

  it('R8: object ids compare case-insensitively', () => {
    const upper = {
      ...target(3),
      userId: target(3).userId.toUpperCase(),
      userPrincipalName: 'renamed@contoso.com',
    };
    expect(valueOf(addTargets([target(3)], [upper])).added).toEqual([]);
  });

  it('R8: accepts exactly 100 users', () => {
    expect(valueOf(addTargets(targetRange(99), [target(100)])).targets).toHaveLength(MAX_SELECTED_TARGETS);
  });

  it('R8: refuses the 101st selected user and changes nothing', () => {
    const full = targetRange(100);
    const before = [...full];
    expect(errorOf(addTargets(full, [target(101)]))).toEqual({
      code: 'target_limit_exceeded',
      limit: 100,
      current: 100,
      attempted: 1,
      remaining: 0,
      message: 'You can synchronize a maximum of 100 users; Selected Targets is full.',
    });
    expect(full).toEqual(before);
  });

  it('R8: refuses a whole group that does not fit, saying how many more fit', () => {
    const error = errorOf(addTargets(targetRange(97), targetRange(5, 200)));
    expect(error).toMatchObject({ current: 97, attempted: 5, remaining: 3 });
    expect(error.message).toBe('You can synchronize a maximum of 100 users; only 3 more fit.');
  });

  it('R8: duplicates do not count against the limit', () => {
    const full = targetRange(100);
    const result = valueOf(addTargets(full, [target(1, 'sales'), target(50)]));
    expect(result.targets).toHaveLength(100);
    expect(result.duplicates).toHaveLength(2);
  });

  it('R8: removes the selected users and keeps the others in order', () => {
    const current = targetRange(5);
    const remaining = removeTargets(current, [
      target(2).userId,
      target(4).userId.toUpperCase(),
      'unknown-id',
    ]);
    expect(remaining.map((t) => t.displayName)).toEqual(['User 1', 'User 3', 'User 5']);
    expect(current).toHaveLength(5);
  });
});

describe('Selected Targets verified in Graph on Done', () => {
  const inGraph = (n: number, overrides: Partial<DirectoryUser> = {}): DirectoryUser => ({
    id: target(n).userId,
    userPrincipalName: `graph.user${n}@contoso.com`,
    displayName: `Graph User ${n}`,
    mail: null,
    accountEnabled: true,
    userType: 'Member',
    ...overrides,
  });

  it("keeps Graph's user principal name and display name, and where the admin found each user", () => {
    const requested = [target(1), target(2, 'sales')];
    expect(valueOf(verifiedTargets(requested, [inGraph(1), inGraph(2)]))).toEqual([
      { ...target(1), userPrincipalName: 'graph.user1@contoso.com', displayName: 'Graph User 1' },
      {
        ...target(2, 'sales'),
        userPrincipalName: 'graph.user2@contoso.com',
        displayName: 'Graph User 2',
      },
    ]);
  });

  it('refuses ids Graph does not know with its own code, naming every one of them', () => {
    const error = errorOf(
      verifiedTargets([target(1), target(2), target(3)], [inGraph(1), undefined, undefined]),
    );
    expect(error).toEqual({
      code: 'targets_not_found',
      unknown: [
        { userId: target(2).userId, userPrincipalName: 'user2@contoso.com' },
        { userId: target(3).userId, userPrincipalName: 'user3@contoso.com' },
      ],
      message:
        'These users do not exist in your organization: user2@contoso.com, user3@contoso.com. Remove them from Selected Targets.',
    });
  });

  it('a user Graph found under another id (looked up by name) is kept once, under its object id', () => {
    const byName = { ...target(5), userId: 'user5@contoso.com' };
    const verified = valueOf(verifiedTargets([byName, target(5)], [inGraph(5), inGraph(5)]));
    expect(verified.map((each) => each.userId)).toEqual([target(5).userId]);
  });
});
