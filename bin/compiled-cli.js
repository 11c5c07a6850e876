// Whether the compiled command line (dist/cli/, see build-cli.js) holds the current sources: it
// does when it was built after the last change to every file under src/. Plain JavaScript, read
// by bin/vodkit.js before anything else is loaded.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** `builtJson`: the build's record ({ startedAt }, written by build-cli.js). */
export function compiledIsCurrent(sourcesDir, builtJson) {
  const at = builtAt(builtJson);
  if (at === undefined) return false;
  for (const entry of readdirSync(sourcesDir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs >= at) return false;
  }
  return true;
}

function builtAt(builtJson) {
  try {
    const { startedAt } = JSON.parse(readFileSync(builtJson, 'utf8'));
    return typeof startedAt === 'number' ? startedAt : undefined;
  } catch {
    return undefined;
  }
}
