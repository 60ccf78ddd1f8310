/**
 * Listing users, groups and members: `$select`, `$filter`, `$search`, `$orderby`, `$count`, `$top`
 * and `$skiptoken` paging with an absolute `@odata.nextLink`, with Graph's validation errors.
 */
import { project, type EntityShape } from './directory-shapes.js';
import { badRequest, GraphError } from './graph-error.js';
import { hasEventualConsistency, graphUrl, type GraphRequest, type GraphResponse } from './graph-request.js';
import { evaluateFilter, parseFilter, validateFilter, type FilterCapabilities } from './odata-filter.js';
import { matchesSearch, parseSearch } from './odata-search.js';
import { decodeOpaque, encodeOpaque, formatQueryOptions } from './query-string.js';

/** An entity with the shape that describes it. */
export interface ShapedItem {
  readonly shape: EntityShape<never>;
  readonly entity: unknown;
}

/** Where list items come from: positions `0 … size-1`, holes allowed (deleted objects). */
export interface ItemSource {
  readonly size: number;
  at(position: number): ShapedItem | undefined;
}

/** What a collection supports. */
export interface CollectionSpec {
  /** `@odata.context` fragment, e.g. `users`, `groups`, `directoryObjects`. */
  readonly contextName: string;
  /** Shapes `$select` may name properties of (the first one names the type in errors). */
  readonly shapes: readonly EntityShape<never>[];
  readonly filter: FilterCapabilities;
  /** Properties `$search` may name. */
  readonly searchable: readonly string[];
  /** Properties `$orderby` may name. */
  readonly sortable: readonly string[];
  /** Items carry `@odata.type` (member lists do). */
  readonly typed: boolean;
  /** Adds properties `$expand` asked for; undefined when the collection cannot expand. */
  readonly expand?: (item: ShapedItem, expand: string, target: Record<string, unknown>) => void;
}

/** Graph's page size bounds. */
export const DEFAULT_PAGE_SIZE = 100;
/** Largest `$top` Graph accepts on directory collections. */
export const MAX_PAGE_SIZE = 999;

/** Parses `$top` (absent → undefined); out of range → Graph's 400. */
export function parseTop(request: GraphRequest): number | undefined {
  const raw = request.query.get('$top');
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw badRequest(
      `Invalid page size specified: '${raw}'. Must be between 1 and ${MAX_PAGE_SIZE} inclusive.`,
      'Request_BadRequest',
    );
  }
  return value;
}

/** Parses `$select` into canonical names, rejecting unknown properties like Graph. */
export function parseSelect(
  request: GraphRequest,
  shapes: readonly EntityShape<never>[],
  extra: readonly string[] = [],
): string[] | undefined {
  const raw = request.query.get('$select');
  if (raw === undefined || raw.trim() === '') return undefined;
  const names: string[] = [];
  for (const part of raw.split(',')) {
    const name = part.trim();
    if (!name) continue;
    const known =
      extra.find((candidate) => candidate.toLowerCase() === name.toLowerCase()) ??
      shapes.map((shape) => shape.canonical(name)).find(Boolean);
    if (!known) {
      throw badRequest(
        `Could not find a property named '${name}' on type '${shapes[0]?.serviceTypeName ?? 'Microsoft.DirectoryServices.DirectoryObject'}'.`,
        'Request_BadRequest',
      );
    }
    if (!names.includes(known)) names.push(known);
  }
  return names;
}

/** Throws Graph's error for `$skip`, which directory collections do not support. */
export function rejectSkip(request: GraphRequest): void {
  if (request.query.has('$skip'))
    throw badRequest("'$skip' is not supported by the service.", 'Request_BadRequest');
}

/** Builds the `@odata.context` URL. */
export function contextUrl(
  request: GraphRequest,
  fragment: string,
  select: readonly string[] | undefined,
): string {
  return `${request.origin}/v1.0/$metadata#${fragment}${select ? `(${select.join(',')})` : ''}`;
}

/** Projects one item as Graph would return it. */
export function renderItem(
  item: ShapedItem,
  select: readonly string[] | undefined,
  typed: boolean,
): Record<string, unknown> {
  const shape = item.shape as EntityShape<unknown>;
  const properties = select ? select.filter((name) => shape.canonical(name)) : shape.defaultProperties;
  const body = project(shape, item.entity, properties);
  return typed ? { '@odata.type': shape.odataType, ...body } : body;
}

interface PagePosition {
  p: number;
}

/** Answers a list request over `source`. */
export function listCollection(
  request: GraphRequest,
  source: ItemSource,
  spec: CollectionSpec,
): GraphResponse {
  rejectSkip(request);
  const eventual = hasEventualConsistency(request);
  const top = parseTop(request) ?? DEFAULT_PAGE_SIZE;
  const select = parseSelect(request, spec.shapes);
  const expand = request.query.get('$expand')?.trim();
  if (expand && (!spec.expand || expand.toLowerCase() !== 'members')) {
    throw badRequest(
      `Could not find a property named '${expand}' on type '${spec.shapes[0]?.serviceTypeName ?? ''}'.`,
      'Request_BadRequest',
    );
  }
  const countRequested = request.query.get('$count')?.toLowerCase() === 'true';
  if (countRequested && !eventual)
    throw badRequest('$count is not currently supported.', 'Request_BadRequest');

  const filterText = request.query.get('$filter');
  const filter = filterText ? parseFilter(filterText) : undefined;
  if (filter) validateFilter(filter, spec.filter, eventual);

  const searchText = request.query.get('$search');
  let search: ReturnType<typeof parseSearch> | undefined;
  if (searchText !== undefined) {
    if (!eventual) {
      throw new GraphError(
        400,
        'Request_UnsupportedQuery',
        "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
      );
    }
    search = parseSearch(searchText);
    for (const clause of search.clauses) {
      if (!spec.searchable.some((name) => name.toLowerCase() === clause.property.toLowerCase())) {
        throw new GraphError(
          400,
          'Request_UnsupportedQuery',
          `Unsupported query: property '${clause.property}' cannot be searched.`,
        );
      }
    }
  }

  const orderText = request.query.get('$orderby')?.trim();
  let order: { property: string; descending: boolean } | undefined;
  if (orderText) {
    const [property = '', direction = 'asc'] = orderText.split(/\s+/);
    const canonical = spec.sortable.find((name) => name.toLowerCase() === property.toLowerCase());
    if (!canonical || !['asc', 'desc'].includes(direction.toLowerCase())) {
      throw new GraphError(
        400,
        'Request_UnsupportedQuery',
        `Unsupported sort property '${property}' for '${spec.contextName}'.`,
      );
    }
    if ((filter || search) && !eventual)
      throw new GraphError(400, 'Request_UnsupportedQuery', 'Sorting not supported for current query.');
    order = { property: canonical, descending: direction.toLowerCase() === 'desc' };
  }

  const skipToken = request.query.get('$skiptoken');
  let start = 0;
  if (skipToken !== undefined) {
    const decoded = decodeOpaque(skipToken) as PagePosition | undefined;
    if (!decoded || typeof decoded.p !== 'number' || decoded.p < 0)
      throw badRequest('The $skiptoken value is not valid.', 'Request_BadRequest');
    start = decoded.p;
  }

  // Property readers are resolved once per shape and property, not per item: a filter may scan 100k users.
  const readerCache = new Map<EntityShape<never>, Map<string, ((entity: unknown) => unknown) | null>>();
  const readerFor = (shape: EntityShape<never>, property: string): ((entity: unknown) => unknown) | null => {
    let byProperty = readerCache.get(shape);
    if (!byProperty) {
      byProperty = new Map();
      readerCache.set(shape, byProperty);
    }
    let reader = byProperty.get(property);
    if (reader === undefined) {
      reader =
        ((shape as EntityShape<unknown>).reader(property) as ((entity: unknown) => unknown) | undefined) ??
        null;
      byProperty.set(property, reader);
    }
    return reader;
  };
  // One reader closure per request (not per item): the item being tested is held in `current`.
  let current: ShapedItem | undefined;
  const read = (property: string): ReturnType<EntityShape<unknown>['read']> => {
    if (!current) return null;
    const reader = readerFor(current.shape, property);
    return reader ? (reader(current.entity) as ReturnType<EntityShape<unknown>['read']>) : null;
  };
  const readText = (property: string): string | null => {
    const value = read(property);
    return typeof value === 'string' ? value : null;
  };
  const matches = (item: ShapedItem): boolean => {
    current = item;
    if (filter && !evaluateFilter(filter, read)) return false;
    if (search && !matchesSearch(search, readText)) return false;
    return true;
  };

  const page: ShapedItem[] = [];
  let next: number | undefined;
  let total: number | undefined;
  if (order) {
    // Sorting needs every match; positions are offsets into the sorted list.
    const all: ShapedItem[] = [];
    for (let position = 0; position < source.size; position++) {
      const item = source.at(position);
      if (item && matches(item)) all.push(item);
    }
    const key = (item: ShapedItem): string =>
      String((item.shape as EntityShape<unknown>).read(item.entity, order.property) ?? '');
    const collator = new Intl.Collator('en', { sensitivity: 'base' });
    all.sort((a, b) => collator.compare(key(a), key(b)) * (order.descending ? -1 : 1));
    page.push(...all.slice(start, start + top));
    if (start + top < all.length) next = start + top;
    total = all.length;
  } else {
    let position = start;
    for (; position < source.size && page.length < top; position++) {
      const item = source.at(position);
      if (item && matches(item)) page.push(item);
    }
    // Only promise another page when one exists, as Graph does.
    for (let probe = position; probe < source.size; probe++) {
      const item = source.at(probe);
      if (item && matches(item)) {
        next = probe;
        break;
      }
    }
    if (countRequested && skipToken === undefined) {
      total = 0;
      for (let probe = 0; probe < source.size; probe++) {
        const item = source.at(probe);
        if (item && matches(item)) total++;
      }
    }
  }

  const body: Record<string, unknown> = { '@odata.context': contextUrl(request, spec.contextName, select) };
  if (countRequested && skipToken === undefined && total !== undefined) body['@odata.count'] = total;
  if (next !== undefined) {
    const options = [...request.query].filter(([key]) => key !== '$skiptoken');
    options.push(['$skiptoken', encodeOpaque({ p: next } satisfies PagePosition)]);
    body['@odata.nextLink'] = graphUrl(request, `${request.path}${formatQueryOptions(options)}`);
  }
  body['value'] = page.map((item) => {
    const rendered = renderItem(item, select, spec.typed);
    if (expand && spec.expand) spec.expand(item, 'members', rendered);
    return rendered;
  });
  return { status: 200, body };
}
