import { describe, expect, it } from 'vitest';
import { GraphError } from './graph-error.js';
import { evaluateFilter, parseFilter, validateFilter, type FilterCapabilities } from './odata-filter.js';
import { matchesSearch, parseSearch, searchTokens } from './odata-search.js';
import { formatQueryOptions, parseQueryOptions } from './query-string.js';

const person = {
  userPrincipalName: "conor.o'neil@contoso.onmicrosoft.com",
  displayName: "Conor O'Neil",
  accountEnabled: true,
  id: '786db940-e840-405c-bcab-113c24226096',
  groupTypes: ['Unified'],
  assignedLicenses: [{ skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900', disabledPlans: [] }],
  mail: null,
};
const read = (property: string) => (person as unknown as Record<string, never>)[property] ?? null;
const capabilities: FilterCapabilities = {
  resourceName: 'User',
  canonical: (p) => (Object.keys(person).includes(p) ? p : undefined),
  supportsStartsWith: (p) => p === 'displayName' || p === 'userPrincipalName',
};

describe('$filter', () => {
  it.each([
    ["userPrincipalName eq 'conor.o''neil@contoso.onmicrosoft.com'", true],
    ["userPrincipalName eq 'CONOR.O''NEIL@contoso.onmicrosoft.com'", true],
    ["userPrincipalName eq 'conor.oneil@contoso.onmicrosoft.com'", false],
    ["startswith(displayName,'conor o''')", true],
    ['accountEnabled eq true', true],
    ['accountEnabled eq false', false],
    ["id in ('x', '786db940-e840-405c-bcab-113c24226096')", true],
    ['id eq 786db940-e840-405c-bcab-113c24226096', true],
    ["groupTypes/any(c:c eq 'unified')", true],
    ['assignedLicenses/any(x:x/skuId eq 6fd2c87f-b296-42f0-b197-1e91e994b900)', true],
    ["accountEnabled eq false or startswith(displayName,'Con') and mail eq null", true],
    ["(accountEnabled eq false or startswith(displayName,'Con')) and mail eq 'x'", false],
  ])('%s → %s', (filter, expected) => {
    const node = parseFilter(filter);
    validateFilter(node, capabilities, false);
    expect(evaluateFilter(node, read)).toBe(expected);
  });

  it.each([
    ["displayName eq 'unterminated"],
    ['displayName eq'],
    ["startswith(displayName 'x')"],
    ['displayName foo 1'],
  ])('rejects the syntax of %s with 400', (filter) => {
    expect(() => parseFilter(filter)).toThrow(GraphError);
    try {
      parseFilter(filter);
    } catch (error) {
      expect(error).toMatchObject({ status: 400, code: 'BadRequest' });
    }
  });

  it('rejects unknown properties and advanced operators without ConsistencyLevel', () => {
    expect(() => validateFilter(parseFilter("foo eq 'x'"), capabilities, false)).toThrow(
      "Unsupported or invalid query filter clause specified for property 'foo' of resource 'User'.",
    );
    expect(() => validateFilter(parseFilter("displayName ne 'x'"), capabilities, false)).toThrow(GraphError);
    expect(() => validateFilter(parseFilter("displayName ne 'x'"), capabilities, true)).not.toThrow();
    expect(() => validateFilter(parseFilter("endswith(displayName,'x')"), capabilities, false)).toThrow(
      GraphError,
    );
  });
});

describe('$search', () => {
  it.each([
    ['Fin-Ops', ['fin', 'ops']],
    ['Finance EMEA', ['finance', 'emea']],
    ['FinanceReporting', ['finance', 'reporting']],
    ['EMEAOps', ['emea', 'ops']],
    ['Marketing 2025 Campaign', ['marketing', '2025', 'campaign']],
    ['Sales2024', ['sales', '2024']],
    ["Women's Network", ['women', 's', 'network']],
    ['Project Zürich', ['project', 'zürich']],
  ])('tokenises %s', (text, tokens) => {
    expect(searchTokens(text)).toEqual(tokens);
  });

  it.each([
    ['"displayName:fin"', 'Fin-Ops', true],
    ['"displayName:fin"', 'Finance EMEA', true],
    ['"displayName:ops"', 'Fin-Ops', true],
    ['"displayName:emea"', 'FinanceEMEA', true],
    ['"displayName:nance"', 'Finance', false],
    ['"displayName:finance emea"', 'Finance EMEA', true],
    ['"displayName:finance apac"', 'Finance EMEA', false],
    ['"displayName:apac" OR "displayName:emea"', 'Finance EMEA', true],
  ])('%s matches %s: %s', (query, displayName, expected) => {
    expect(matchesSearch(parseSearch(query), () => displayName)).toBe(expected);
  });

  it('rejects a search without quotes', () => {
    expect(() => parseSearch('displayName:fin')).toThrow(GraphError);
  });
});

describe('query string', () => {
  it('decodes values with + as space and keys case-insensitively', () => {
    const options = parseQueryOptions(
      '?$FILTER=startswith(displayName,%27Conor+O%27%27Neil%27)&$top=5&plain=a+b',
    );
    expect(options.get('$filter')).toBe("startswith(displayName,'Conor O''Neil')");
    expect(options.get('$top')).toBe('5');
    expect(options.get('plain')).toBe('a b');
  });

  it('rejects malformed percent-encoding and repeated options', () => {
    expect(() => parseQueryOptions('$filter=%E0%A4%A')).toThrow(GraphError);
    expect(() => parseQueryOptions('$top=1&$top=2')).toThrow(GraphError);
  });

  it('round-trips through formatQueryOptions', () => {
    const original = new Map([
      ['$filter', "startswith(displayName,'a&b+c')"],
      ['$top', '5'],
    ]);
    expect([...parseQueryOptions(formatQueryOptions(original))]).toEqual([...original]);
  });
});
