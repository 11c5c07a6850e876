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
    for (const folder of ['src/core', 'src/adapters', 'src/config', 'src/http', 'src/cli', 'src/lambda']) {
      expect(edges.some((e) => under(folder)(e.from)), folder).toBe(true);
    }
    expect(edges.some((e) => e.from === 'src/config/local-adapters.ts' && under('src/adapters')(e.to))).toBe(true);
    expect(edges.some((e) => e.from === 'src/config/aws-adapters.ts' && under('src/adapters')(e.to))).toBe(true);
  });

  it('the core imports no adapter, no composition, no entry point', () => {
    expect(crossing('src/core', ['src/adapters', 'src/config', 'src/http', 'src/cli', 'src/lambda', 'src/web'])).toEqual([]);
  });

  it('adapters import the core (their ports) only, never the composition or an entry point', () => {
    expect(crossing('src/adapters', ['src/config', 'src/http', 'src/cli', 'src/lambda', 'src/web'])).toEqual([]);
  });

  it('HTTP depends on ports and core services: no adapter, no configuration, no CLI', () => {
    expect(crossing('src/http', ['src/adapters', 'src/config', 'src/cli', 'src/lambda', 'src/web'])).toEqual([]);
  });

  it('the composition imports nothing from HTTP or the CLI', () => {
    expect(crossing('src/config', ['src/http', 'src/cli', 'src/lambda', 'src/web'])).toEqual([]);
  });

  it('the function handlers (src/lambda) are entry points over config, core and HTTP; nothing imports them', () => {
    expect(crossing('src/lambda', ['src/adapters', 'src/cli', 'src/web'])).toEqual([]);
    expect(crossing('src/cli', ['src/lambda'])).toEqual([]);
  });

  it('a function bundle reaches no native module, no ffmpeg and no local-only adapter', () => {
    // Everything the entry points import, followed through the source tree.
    const reached = new Set<string>();
    const next = edges.filter((e) => under('src/lambda')(e.from)).map((e) => e.from);
    while (next.length > 0) {
      const file = next.pop()!;
      if (reached.has(file)) continue;
      reached.add(file);
      for (const e of edges) if (e.from === file && e.to !== null) next.push(`${e.to}`);
    }
    expect(reached.has('src/config/aws-adapters.ts')).toBe(true);
    const local = [...reached].filter((f) => /^src\/(config\/(local|build)-adapters|adapters\/(catalog\/(sqlite|postgres)|job-queue\/(sqlite|bullmq)|transcoder\/ffmpeg|rate-limiter\/redis|object-store\/local-disk))/.test(f));
    const packages = edges.filter((e) => reached.has(e.from) && /^(better-sqlite3|bullmq|ioredis|pg)$/.test(e.specifier)).map(show);
    expect([...local, ...packages]).toEqual([]);
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

  it('the API client (vodkit/client, used by other projects) imports nothing from the server side', () => {
    expect(edges.some((e) => e.from === 'src/client/index.ts')).toBe(true);
    expect(crossing('src/client', ['src/core', 'src/adapters', 'src/config', 'src/http', 'src/cli', 'src/lambda', 'src/web'])).toEqual([]);
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
