import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cycles, filesReading, folderOf, importGraph, type ImportEdge } from './import-graph.ts';

/**
 * The code's layers, checked on its imports: the core knows ports only, adapters implement them,
 * src/config is the one place that composes, HTTP and the CLI are entry points over the core.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const edges = importGraph(ROOT);

const under = (folder: string) => (path: string | null) => path !== null && (path === folder || path.startsWith(`${folder}/`));

/** The imports of files under `from` that resolve to files under any of `to`, as "file -> specifier". */
function crossing(from: string, to: string[]): string[] {
  return edges.filter((e) => under(from)(e.from) && to.some((t) => under(t)(e.to))).map(show);
}

function show(e: ImportEdge): string {
  return `${e.from} -> ${e.specifier}`;
}

describe('layer boundaries', () => {
  it('sees the source tree (a walk that found nothing would prove nothing)', () => {
    for (const folder of ['src/core', 'src/adapters', 'src/config', 'src/http', 'src/cli']) {
      expect(edges.some((e) => under(folder)(e.from)), folder).toBe(true);
    }
    expect(edges.some((e) => e.from === 'src/config/build-adapters.ts' && under('src/adapters')(e.to))).toBe(true);
  });

  it('the core imports no adapter, no composition, no entry point', () => {
    expect(crossing('src/core', ['src/adapters', 'src/config', 'src/http', 'src/cli', 'src/web'])).toEqual([]);
  });

  it('adapters import the core (their ports) only, never the composition or an entry point', () => {
    expect(crossing('src/adapters', ['src/config', 'src/http', 'src/cli', 'src/web'])).toEqual([]);
  });

  it('HTTP depends on ports and core services: no adapter, no configuration, no CLI', () => {
    expect(crossing('src/http', ['src/adapters', 'src/config', 'src/cli', 'src/web'])).toEqual([]);
  });

  it('the composition imports nothing from HTTP or the CLI', () => {
    expect(crossing('src/config', ['src/http', 'src/cli', 'src/web'])).toEqual([]);
  });

  it('the CLI builds adapters only through the composition', () => {
    expect(crossing('src/cli', ['src/adapters', 'src/web'])).toEqual([]);
  });

  it('buildCore and the job workers know no adapter class and no configuration format', () => {
    const wiring = edges.filter((e) => e.from === 'src/config/build-core.ts' || e.from === 'src/config/job-workers.ts');
    expect(wiring.length).toBeGreaterThan(0);
    const allowed = (e: ImportEdge) => under('src/core')(e.to) || e.to === 'src/config/job-workers.ts' || e.specifier.startsWith('node:');
    expect(wiring.filter((e) => !allowed(e)).map(show)).toEqual([]);
  });

  it('the web app (a browser bundle) imports nothing from the server side', () => {
    expect(crossing('src/web', ['src/core', 'src/adapters', 'src/config', 'src/http', 'src/cli'])).toEqual([]);
  });
});

describe('import cycles', () => {
  it('no two files import each other, directly or through others', () => {
    expect(cycles(edges, (p) => p)).toEqual([]);
  });

  it('no cycle between the top-level folders except adapters ⇄ core through ports', () => {
    // Adapters import their ports from the core; the core imports no adapter (checked above).
    const found = cycles(
      edges.filter((e) => !(under('src/adapters')(e.from) && under('src/core')(e.to))),
      (p) => folderOf(p, 1),
    );
    expect(found).toEqual([]);
  });
});

describe('the core knows no local disk', () => {
  it('nothing under src/core imports node:fs, node:child_process or node:os, or reads process.pid', () => {
    const local = /^(node:)?(fs|fs\/promises|child_process|os)$/;
    const imports = edges.filter((e) => under('src/core')(e.from) && local.test(e.specifier)).map(show);
    expect([...imports, ...filesReading(ROOT, 'src/core', 'pid')]).toEqual([]);
  });

  it('no cycle between the folders of the core', () => {
    const inCore = edges.filter((e) => under('src/core')(e.from) && under('src/core')(e.to));
    expect(cycles(inCore, (p) => folderOf(p, 2))).toEqual([]);
  });
});
