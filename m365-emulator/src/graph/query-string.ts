/**
 * Query-string handling the way Graph does it. The Graph SDK does not URL-encode `.filter()` /
 * `.search()` values, so values are decoded with `decodeURIComponent` after turning `+` into a
 * space; system query option names are case-insensitive.
 */
import { badRequest } from './graph-error.js';

/** Decoded query options, keys lower-cased (`$filter`, `$select`, …). */
export type QueryOptions = ReadonlyMap<string, string>;

/** Parses the raw search part of a URL (with or without the leading `?`). */
export function parseQueryOptions(search: string): QueryOptions {
  const options = new Map<string, string>();
  const raw = search.startsWith('?') ? search.slice(1) : search;
  if (raw === '') return options;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const key = decodeComponent(equals < 0 ? part : part.slice(0, equals)).toLowerCase();
    const value = equals < 0 ? '' : decodeComponent(part.slice(equals + 1));
    if (options.has(key) && key.startsWith('$'))
      throw badRequest(
        `Query option '${key}' was specified more than once, but it must be specified at most once.`,
      );
    options.set(key, value);
  }
  return options;
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw badRequest(`The query string '${text}' is not correctly percent-encoded.`);
  }
}

/** Serialises options back into a query string (for `@odata.nextLink`), keeping `$` readable. */
export function formatQueryOptions(options: Iterable<readonly [string, string]>): string {
  const parts: string[] = [];
  for (const [key, value] of options) {
    parts.push(
      `${encodeURIComponent(key).replace(/%24/g, '$')}=${encodeURIComponent(value).replace(/%24/g, '$')}`,
    );
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/** Encodes a position as an opaque, URL-safe token. */
export function encodeOpaque(payload: unknown): string {
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

/** Decodes a token from {@link encodeOpaque}; undefined when malformed. */
export function decodeOpaque(token: string): unknown {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
