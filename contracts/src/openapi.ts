/**
 * The OpenAPI 3.1 description, generated from the contracts: every route with its inputs, and a
 * response schema for every status it can answer, so it cannot drift from what the API validates
 * and what its tests check.
 */
import { z } from 'zod';
import { responseSchema, type RouteContract } from './route-contract.js';
import { namedSchemas } from './schemas.js';

type JsonObject = Record<string, unknown>;

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  400: 'The input is not valid.',
  401: 'No valid credential.',
  403: 'The caller may not do this.',
  404: 'Not found.',
  409: 'Refused in the current state.',
  413: 'The body is too large.',
  415: 'The body is not JSON.',
  422: 'The request cannot be carried out as asked.',
  429: 'Too many requests; see Retry-After.',
  500: 'Unexpected failure (answered without details).',
  502: 'A Microsoft service refused or failed.',
  503: 'Not available right now.',
  504: 'A Microsoft service did not answer in time.',
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const generated = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
  delete generated.$schema;
  return generated;
}

/** Collects the named shapes an answer refers to into `components.schemas`. */
class NamedShapes {
  readonly components: Record<string, unknown> = {};

  /** The answer's schema, with named shapes as `$ref`s to the components. */
  answer(schema: z.ZodType): JsonObject {
    const generated = z.toJSONSchema(schema, {
      io: 'output',
      unrepresentable: 'any',
      metadata: namedSchemas,
    }) as JsonObject;
    delete generated.$schema;
    const defs = (generated.$defs ?? {}) as Record<string, unknown>;
    delete generated.$defs;
    for (const [id, def] of Object.entries(defs)) {
      const { id: _id, ...rest } = def as JsonObject;
      this.components[id] = toComponentRefs(rest);
    }
    // A named shape at the top comes back as a `$ref` to its definition.
    return toComponentRefs(generated) as JsonObject;
  }
}

/** Points `#/$defs/X` references at `#/components/schemas/X`. */
function toComponentRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toComponentRefs);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === '$ref' && typeof inner === 'string'
        ? inner.replace(/^#\/\$defs\//, '#/components/schemas/')
        : toComponentRefs(inner),
    ]),
  );
}

/** Path and query parameters from an object schema. */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonObject[] {
  if (schema === undefined) return [];
  const object = jsonSchema(schema, 'input');
  const properties = (object.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set((object.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property,
  }));
}

/** The `operationId` of a route: its method and path in camel case. */
export function operationId(route: Pick<RouteContract, 'method' | 'path'>): string {
  const path = route.path.replace(/:([A-Za-z]+)/g, '{$1}');
  return `${route.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_match, next?: string) => (next ?? '').toUpperCase())}`;
}

function responses(route: RouteContract, shapes: NamedShapes): JsonObject {
  const statuses = [...Object.keys(route.responses), ...Object.keys(route.errorCodes)]
    .map(Number)
    .sort((a, b) => a - b);
  const answers: JsonObject = {};
  for (const status of statuses) {
    const schema = responseSchema(route, status);
    if (schema === undefined) continue;
    const success = status < 400;
    const mediaType = success && route.html === true ? 'text/html' : 'application/json';
    const codes = route.errorCodes[status];
    answers[String(status)] = {
      description: success
        ? (STATUS_TEXT[status] ?? 'Success')
        : `${STATUS_TEXT[status] ?? 'Error'} Codes: ${(codes ?? []).join(', ')}.`,
      ...(status === 429
        ? { headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } } }
        : {}),
      content: { [mediaType]: { schema: shapes.answer(schema) } },
    };
  }
  return answers;
}

/** Title and version of the description. */
export const API_INFO = { title: 'Cloud App Security API', version: '0.1.0' } as const;

/** Builds the document for a set of contracts. */
export function openApiDocument(
  routes: readonly RouteContract[],
  info: { title: string; version: string },
): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  const shapes = new NamedShapes();
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const operation: JsonObject = {
      summary: route.summary,
      operationId: operationId(route),
      'x-access': route.access,
      'x-callers': route.access === 'public' ? 'anyone' : (route.callers ?? 'users'),
      parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
      responses: responses(route, shapes),
      ...(route.access === 'public' ? { security: [] } : {}),
    };
    if (route.body !== undefined) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
      };
    }
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      ...info,
      description:
        'Cloud App Security provisioning API. Tenant always comes from the credential. Errors: { "error": { "code", "message" } }.',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [
      {
        url: '/',
        description:
          'The origin this description was fetched from: the API itself, or the tab server, which proxies /api on the tab origin.',
      },
    ],
    components: {
      schemas: Object.fromEntries(Object.entries(shapes.components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        entraUserToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Teams SSO or MSAL token for the API (scope access_as_user).',
        },
        botCredential: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT (HS256)',
          description:
            'Bot credential signed with the shared bot key; the user role is checked through Graph.',
        },
      },
    },
    security: [{ entraUserToken: [] }, { botCredential: [] }],
    paths,
  };
}
