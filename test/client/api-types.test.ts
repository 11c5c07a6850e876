import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CLIENT_TYPES_PATH, clientTypesSource, openApiDocument } from '../../scripts/client-types.ts';

/** The committed client types are what the routes make now: a route changed without `npm run generate:client` fails here. */
describe('generated client types', () => {
  it('src/client/api-types.ts equals what the generator makes from the current routes', async () => {
    const committed = await readFile(CLIENT_TYPES_PATH, 'utf8');
    const fresh = await clientTypesSource();
    expect(committed === fresh, 'src/client/api-types.ts is out of date: run `npm run generate:client`').toBe(true);
  });

  it('the document the types come from describes the API routes', async () => {
    const document = await openApiDocument();
    expect(Object.keys(document.paths ?? {})).toEqual(expect.arrayContaining(['/api/v1/uploads', '/api/v1/videos/{id}', '/api/v1/users']));
    expect(await readFile(CLIENT_TYPES_PATH, 'utf8')).toContain('"/api/v1/videos/{id}"');
  });
});
