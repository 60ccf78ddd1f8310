/** Serves the OpenAPI 3.1 description, generated from the contracts of the routes served. */
import { openApiDocument, routes as contracts } from '@cas/contracts';
import { defineRoute, type RouteDefinition } from '../http/route.js';

/** The route serving the description of `routes` (itself included). */
export function openApiRoutes(
  routes: () => readonly RouteDefinition[],
  info: { title: string; version: string },
): RouteDefinition[] {
  let document: Record<string, unknown> | undefined;
  return [
    defineRoute(contracts.openApi, async () => {
      document ??= openApiDocument(routes(), info);
      return { json: document as { openapi: '3.1.0' } };
    }),
  ];
}
