import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  engines: { node: string };
};
const lock = JSON.parse(readFileSync(`${root}package-lock.json`, 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[]; optional?: boolean; dev?: boolean }>;
};

describe('installing vodkit', () => {
  it('every locked package runs on the oldest Node release vodkit says it supports', () => {
    const oldest = semver.minVersion(pkg.engines.node);
    expect(oldest, `package.json engines.node "${pkg.engines.node}"`).not.toBeNull();
    const refused: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (!path || !range) continue;
      if (!semver.satisfies(oldest!, range, { includePrerelease: true })) {
        refused.push(`${path.replace(/^.*node_modules\//, '')} needs node ${range}`);
      }
    }
    expect(refused, `packages that warn EBADENGINE on Node ${oldest}`).toEqual([]);
  });

  it('the lock file names every platform build of the optional native packages', () => {
    // npm 11 writes each optional platform package of a dependency into the lock; a lock that
    // lacks them is rewritten by the first `npm install` on a fresh clone.
    const optional = Object.keys(lock.packages).filter((p) => lock.packages[p]!.optional);
    const platforms = (prefix: string) => optional.filter((p) => p.startsWith(prefix)).length;
    expect(platforms('node_modules/@rollup/rollup-')).toBeGreaterThan(10);
    expect(platforms('node_modules/@esbuild/')).toBeGreaterThan(10);
    expect(platforms('node_modules/@msgpackr-extract/')).toBeGreaterThanOrEqual(6);
  });
});
