/**
 * `$search` on directory objects: `"property:words"` clauses joined by AND / OR. Graph tokenises
 * the property value on spaces, case changes, symbols and digits, and matches each searched token
 * case-insensitively as a prefix of some value token ("fin" finds "Fin-Ops" and "FinanceEMEA").
 */
import { GraphError } from './graph-error.js';

/** A parsed `$search`: clauses combined left to right. */
export interface SearchQuery {
  readonly clauses: readonly { property: string; tokens: readonly string[]; joiner: 'AND' | 'OR' }[];
}

/** Splits text into search tokens (lower-cased). */
export function searchTokens(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let previous: 'upper' | 'lower' | 'digit' | 'other' = 'other';
  const flush = (): void => {
    if (current) tokens.push(current.toLowerCase());
    current = '';
  };
  const chars = [...text];
  chars.forEach((char, index) => {
    const kind = /\p{Lu}/u.test(char)
      ? 'upper'
      : /\p{L}/u.test(char)
        ? 'lower'
        : /\p{N}/u.test(char)
          ? 'digit'
          : 'other';
    if (kind === 'other') {
      flush();
    } else if (current) {
      const next = chars[index + 1];
      const nextIsLower = next !== undefined && /\p{Ll}/u.test(next);
      const digitBoundary = (kind === 'digit') !== (previous === 'digit');
      const camelBoundary =
        kind === 'upper' && (previous === 'lower' || (previous === 'upper' && nextIsLower));
      if (digitBoundary || camelBoundary) flush();
    }
    if (kind !== 'other') current += char;
    previous = kind;
  });
  flush();
  return tokens;
}

/** Parses a `$search` value such as `"displayName:fin" OR "mail:fin"`. */
export function parseSearch(text: string, defaultProperty = 'displayName'): SearchQuery {
  const clauses: { property: string; tokens: string[]; joiner: 'AND' | 'OR' }[] = [];
  const pattern = /\s*(?:(AND|OR)\s+)?"([^"]*)"\s*/gy;
  let joiner: 'AND' | 'OR' = 'AND';
  let consumed = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    consumed = pattern.lastIndex;
    if (match[1]) joiner = match[1] as 'AND' | 'OR';
    const body = match[2] ?? '';
    const colon = body.indexOf(':');
    const property = colon < 0 ? defaultProperty : body.slice(0, colon).trim();
    const value = colon < 0 ? body : body.slice(colon + 1);
    clauses.push({ property, tokens: searchTokens(value), joiner: clauses.length === 0 ? 'AND' : joiner });
    if (consumed >= text.length) break;
  }
  if (clauses.length === 0 || consumed < text.trimEnd().length) {
    throw new GraphError(
      400,
      'Request_UnsupportedQuery',
      `Syntax error: character '${text.charAt(consumed) || text}' is not valid at position ${consumed} in '${text}'.`,
    );
  }
  return { clauses };
}

// Directory values repeat across requests; caching their tokens keeps a 10k-group search cheap.
const tokenCache = new Map<string, string[]>();
function cachedTokens(value: string): string[] {
  let tokens = tokenCache.get(value);
  if (!tokens) {
    tokens = searchTokens(value);
    if (tokenCache.size > 200_000) tokenCache.clear();
    tokenCache.set(value, tokens);
  }
  return tokens;
}

/** True when an entity matches the query (`read` returns a property value as text, or null). */
export function matchesSearch(query: SearchQuery, read: (property: string) => string | null): boolean {
  let result = true;
  query.clauses.forEach((clause, index) => {
    const value = read(clause.property);
    const valueTokens = value ? cachedTokens(value) : [];
    const matches =
      clause.tokens.length > 0 &&
      clause.tokens.every((token) => valueTokens.some((candidate) => candidate.startsWith(token)));
    result = index === 0 ? matches : clause.joiner === 'OR' ? result || matches : result && matches;
  });
  return result;
}
