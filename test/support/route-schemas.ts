import type { RegisteredRoute } from '../../src/http/openapi.ts';

/** Methods whose requests carry a JSON body, unless the route is known to take none. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * What each route lacks of the schemas every route declares (docs: HTTP rules), as
 * "METHOD URL: what is missing" lines; empty when all is declared.
 * - every route: a `schema` object;
 * - every route in the document (not `hide`): `params` when its path has parameters, and
 *   `response` schemas with a success status;
 * - API routes (/api/) in the document taking a body (POST, PUT, PATCH, except `takesNoBody`,
 *   given as "METHOD URL"): a `body` schema.
 */
export function missingSchemas(routes: readonly RegisteredRoute[], takesNoBody: readonly string[] = []): string[] {
  const problems: string[] = [];
  for (const route of routes) {
    for (const method of [route.method].flat()) {
      const name = `${method} ${route.url}`;
      const schema = route.schema as Record<string, unknown> | undefined;
      if (!schema) {
        problems.push(`${name}: declares no schema`);
        continue;
      }
      if (schema.hide === true) continue;
      if (/[:*]/.test(route.url) && !schema.params) problems.push(`${name}: no params schema for its path parameters`);
      const response = schema.response as Record<string, unknown> | undefined;
      if (!response || !Object.keys(response).some((status) => /^2(\d\d|XX)$/.test(status))) problems.push(`${name}: no response schema for its success`);
      if (route.url.startsWith('/api/') && BODY_METHODS.has(method) && !schema.body && !takesNoBody.includes(name)) {
        problems.push(`${name}: no body schema (or list it among the routes that take no body)`);
      }
    }
  }
  return problems;
}
