/**
 * The subset of OData `$filter` that Graph accepts on users and groups without advanced queries:
 * `eq`, `startswith()`, `in (…)`, `any()` on collections, `and` / `or` / parentheses; `ne`, `not`
 * and `endswith()` only with `ConsistencyLevel: eventual`. String literals use doubled apostrophes
 * (`'o''neil@contoso.com'`). Comparison of strings is case-insensitive, as in Entra.
 */
import { badRequest, GraphError } from './graph-error.js';

/** A parsed filter expression. */
export type FilterNode =
  | { type: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { type: 'not'; operand: FilterNode }
  | { type: 'compare'; operator: 'eq' | 'ne'; property: string; value: Literal }
  | { type: 'startswith' | 'endswith'; property: string; value: string }
  | { type: 'in'; property: string; values: Literal[] }
  | {
      type: 'any';
      property: string;
      subProperty: string | undefined;
      operator: 'eq' | 'startswith';
      value: Literal;
    };

/** A literal value. */
export type Literal = string | number | boolean | null;

type Token =
  | { kind: 'string'; value: string; position: number }
  | { kind: 'word'; value: string; position: number }
  | { kind: 'punct'; value: '(' | ')' | ',' | ':'; position: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (/\s/.test(char)) {
      i++;
      continue;
    }
    if (char === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw syntaxError(text, i, 'unterminated string literal');
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j++;
      }
      tokens.push({ kind: 'string', value, position: i });
      i = j + 1;
      continue;
    }
    if (char === '(' || char === ')' || char === ',' || char === ':') {
      tokens.push({ kind: 'punct', value: char, position: i });
      i++;
      continue;
    }
    const match = /^[A-Za-z0-9_.\-/$@+]+/.exec(text.slice(i));
    if (!match) throw syntaxError(text, i, `unexpected character '${char}'`);
    tokens.push({ kind: 'word', value: match[0], position: i });
    i += match[0].length;
  }
  return tokens;
}

function syntaxError(text: string, position: number, detail: string): GraphError {
  return badRequest(`Invalid filter clause: Syntax error at position ${position} in '${text}': ${detail}.`);
}

/** Parses a `$filter` value. Throws a 400 `GraphError` on syntax errors. */
export function parseFilter(text: string): FilterNode {
  const tokens = tokenize(text);
  let index = 0;
  const peek = (): Token | undefined => tokens[index];
  const position = (): number => peek()?.position ?? text.length;
  const isWord = (value: string): boolean => {
    const token = peek();
    return token?.kind === 'word' && token.value.toLowerCase() === value;
  };
  const expectPunct = (value: string): void => {
    const token = peek();
    if (token?.kind !== 'punct' || token.value !== value)
      throw syntaxError(text, position(), `'${value}' expected`);
    index++;
  };
  const readProperty = (): string => {
    const token = peek();
    if (token?.kind !== 'word' || !/^[A-Za-z]/.test(token.value))
      throw syntaxError(text, position(), 'property name expected');
    index++;
    return token.value;
  };
  const readLiteral = (): Literal => {
    const token = peek();
    if (!token || token.kind === 'punct') throw syntaxError(text, position(), 'literal expected');
    index++;
    if (token.kind === 'string') return token.value;
    const lower = token.value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (lower === 'null') return null;
    if (/^-?\d+(\.\d+)?$/.test(token.value)) return Number(token.value);
    // Bare GUIDs are valid OData literals (`id eq 1234…`).
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(token.value))
      return token.value;
    throw syntaxError(text, token.position, `unknown literal '${token.value}'`);
  };
  const readString = (): string => {
    const token = peek();
    if (token?.kind !== 'string') throw syntaxError(text, position(), 'string literal expected');
    index++;
    return token.value;
  };

  const parseOr = (): FilterNode => {
    let node = parseAnd();
    while (isWord('or')) {
      index++;
      node = { type: 'or', left: node, right: parseAnd() };
    }
    return node;
  };
  const parseAnd = (): FilterNode => {
    let node = parseUnary();
    while (isWord('and')) {
      index++;
      node = { type: 'and', left: node, right: parseUnary() };
    }
    return node;
  };
  const parseUnary = (): FilterNode => {
    if (isWord('not')) {
      index++;
      return { type: 'not', operand: parseUnary() };
    }
    return parsePrimary();
  };
  const parsePrimary = (): FilterNode => {
    const token = peek();
    if (token?.kind === 'punct' && token.value === '(') {
      index++;
      const node = parseOr();
      expectPunct(')');
      return node;
    }
    if (isWord('startswith') || isWord('endswith')) {
      const type = (peek() as Token).value.toLowerCase() as 'startswith' | 'endswith';
      index++;
      expectPunct('(');
      const property = readProperty();
      expectPunct(',');
      const value = readString();
      expectPunct(')');
      return { type, property, value };
    }
    const path = readProperty();
    const anyMatch = /^([A-Za-z]+)\/any$/i.exec(path);
    if (anyMatch) return parseAny(anyMatch[1] as string);
    if (isWord('eq') || isWord('ne')) {
      const operator = (peek() as Token).value.toLowerCase() as 'eq' | 'ne';
      index++;
      return { type: 'compare', operator, property: path, value: readLiteral() };
    }
    if (isWord('in')) {
      index++;
      expectPunct('(');
      const values: Literal[] = [readLiteral()];
      while (peek()?.kind === 'punct' && peek()?.value === ',') {
        index++;
        values.push(readLiteral());
      }
      expectPunct(')');
      return { type: 'in', property: path, values };
    }
    throw syntaxError(text, position(), 'operator expected');
  };
  const parseAny = (property: string): FilterNode => {
    expectPunct('(');
    const variable = readProperty();
    expectPunct(':');
    if (isWord('startswith')) {
      index++;
      expectPunct('(');
      const target = readProperty();
      expectPunct(',');
      const value = readString();
      expectPunct(')');
      expectPunct(')');
      return {
        type: 'any',
        property,
        subProperty: subPropertyOf(target, variable),
        operator: 'startswith',
        value,
      };
    }
    const target = readProperty();
    if (!isWord('eq')) throw syntaxError(text, position(), "'eq' expected");
    index++;
    const value = readLiteral();
    expectPunct(')');
    return { type: 'any', property, subProperty: subPropertyOf(target, variable), operator: 'eq', value };
  };
  const subPropertyOf = (target: string, variable: string): string | undefined => {
    if (target === variable) return undefined;
    if (target.startsWith(`${variable}/`)) return target.slice(variable.length + 1);
    throw syntaxError(text, position(), `unknown range variable in '${target}'`);
  };

  const node = parseOr();
  if (index < tokens.length) throw syntaxError(text, position(), 'end of expression expected');
  return node;
}

/** Which properties and operators an entity supports in `$filter`. */
export interface FilterCapabilities {
  /** Resource name in error messages (`User`, `Group`). */
  readonly resourceName: string;
  /** Canonical name of a filterable property, or undefined. */
  canonical(property: string): string | undefined;
  /** True when the property may be used with `startswith`. */
  supportsStartsWith(property: string): boolean;
}

/** Rejects what Graph rejects: unknown properties, and advanced operators without `ConsistencyLevel: eventual`. */
export function validateFilter(node: FilterNode, capabilities: FilterCapabilities, advanced: boolean): void {
  const unsupported = (property: string): GraphError =>
    new GraphError(
      400,
      'Request_UnsupportedQuery',
      `Unsupported or invalid query filter clause specified for property '${property}' of resource '${capabilities.resourceName}'.`,
    );
  const check = (current: FilterNode): void => {
    switch (current.type) {
      case 'and':
      case 'or':
        check(current.left);
        check(current.right);
        return;
      case 'not':
        if (!advanced)
          throw new GraphError(
            400,
            'Request_UnsupportedQuery',
            "Unsupported query: 'not' requires advanced query capabilities (ConsistencyLevel: eventual).",
          );
        check(current.operand);
        return;
      case 'compare':
      case 'in':
        if (!capabilities.canonical(current.property)) throw unsupported(current.property);
        if (current.type === 'compare' && current.operator === 'ne' && !advanced)
          throw unsupported(current.property);
        return;
      case 'startswith':
      case 'endswith':
        if (!capabilities.canonical(current.property) || !capabilities.supportsStartsWith(current.property))
          throw unsupported(current.property);
        if (current.type === 'endswith' && !advanced) throw unsupported(current.property);
        return;
      case 'any':
        if (!capabilities.canonical(current.property)) throw unsupported(current.property);
        return;
    }
  };
  check(node);
}

type Readable = string | number | boolean | null | readonly unknown[] | Record<string, unknown>;

/** Evaluates a validated filter against one entity (`read` returns a property by name). */
export function evaluateFilter(node: FilterNode, read: (property: string) => Readable): boolean {
  switch (node.type) {
    case 'and':
      return evaluateFilter(node.left, read) && evaluateFilter(node.right, read);
    case 'or':
      return evaluateFilter(node.left, read) || evaluateFilter(node.right, read);
    case 'not':
      return !evaluateFilter(node.operand, read);
    case 'compare': {
      const equal = literalEquals(read(node.property), node.value);
      return node.operator === 'eq' ? equal : !equal;
    }
    case 'in': {
      const value = read(node.property);
      return node.values.some((candidate) => literalEquals(value, candidate));
    }
    case 'startswith':
    case 'endswith': {
      const value = read(node.property);
      if (typeof value !== 'string') return false;
      const a = value.toLowerCase();
      const b = node.value.toLowerCase();
      return node.type === 'startswith' ? a.startsWith(b) : a.endsWith(b);
    }
    case 'any': {
      const collection = read(node.property);
      if (!Array.isArray(collection)) return false;
      return collection.some((item: unknown) => {
        const element =
          node.subProperty && item && typeof item === 'object'
            ? (item as Record<string, unknown>)[node.subProperty]
            : item;
        if (node.operator === 'startswith') {
          return (
            typeof element === 'string' &&
            typeof node.value === 'string' &&
            element.toLowerCase().startsWith(node.value.toLowerCase())
          );
        }
        return literalEquals(element as Readable, node.value);
      });
    }
  }
}

function literalEquals(value: unknown, literal: Literal): boolean {
  if (literal === null) return value === null || value === undefined;
  if (typeof value === 'string' && typeof literal === 'string')
    return value.toLowerCase() === literal.toLowerCase();
  return value === literal;
}
