/**
 * The OpenAPI 3.1 description, generated from the route table and its zod schemas, so it cannot
 * drift from what the server validates.
 */
import { z } from 'zod';
import { defineRoute, type RouteDefinition } from '../http/route.js';

type JsonObject = Record<string, unknown>;

const ERROR_RESPONSE = {
  description: 'Error',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: { code: { type: 'string' }, message: { type: 'string' } },
            additionalProperties: true,
          },
        },
      },
    },
  },
};

function jsonSchema(schema: z.ZodType): JsonObject {
  const generated = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonObject;
  delete generated.$schema;
  return generated;
}

/** Path and query parameters from an object schema. */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonObject[] {
  if (schema === undefined) return [];
  const object = jsonSchema(schema);
  const properties = (object.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set((object.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property,
  }));
}

/** Builds the document for a route table. */
export function openApiDocument(
  routes: readonly RouteDefinition<never, never, never>[] | readonly RouteDefinition[],
  info: { title: string; version: string },
): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const route of routes as readonly RouteDefinition[]) {
    const path = route.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const operation: JsonObject = {
      summary: route.summary,
      operationId: `${route.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_match, next?: string) => (next ?? '').toUpperCase())}`,
      'x-access': route.access,
      'x-callers': route.access === 'public' ? 'anyone' : (route.callers ?? 'users'),
      parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
      responses: {
        '200': { description: 'Success' },
        ...(route.access === 'public'
          ? {}
          : { '401': ERROR_RESPONSE, '403': ERROR_RESPONSE, '429': ERROR_RESPONSE }),
        '400': ERROR_RESPONSE,
      },
      ...(route.access === 'public' ? { security: [] } : {}),
    };
    if (route.body !== undefined) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(route.body) } },
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
    },
    components: {
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

/** The route serving the description of `routes` (itself included). */
export function openApiRoutes(
  routes: () => readonly RouteDefinition[],
  info: { title: string; version: string },
) {
  let document: JsonObject | undefined;
  return [
    defineRoute({
      method: 'GET',
      path: '/api/openapi.json',
      access: 'public',
      summary: 'This OpenAPI 3.1 description.',
      handle: async () => {
        document ??= openApiDocument(routes(), info);
        return { json: document };
      },
    }),
  ];
}
