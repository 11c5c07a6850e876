import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CLIENT_TYPES_PATH, clientTypesSource } from './client-types.ts';

/** `npm run generate:client`: writes src/client/api-types.ts from the routes' OpenAPI document. */
await writeFile(CLIENT_TYPES_PATH, await clientTypesSource());
process.stdout.write(`wrote ${fileURLToPath(CLIENT_TYPES_PATH)}\n`);
