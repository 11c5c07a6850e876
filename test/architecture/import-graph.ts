import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** One import of a source file: what it names, and the file it resolves to under the root (relative specifiers only). */
export interface ImportEdge {
  from: string;
  specifier: string;
  /** Path relative to the repository, with '/' separators; null for a package or node: built-in. */
  to: string | null;
}

const SOURCE = /\.(ts|tsx|mts)$/;

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/**
 * Every import of every TypeScript file under `srcDir` (static imports, `import type`, re-exports,
 * dynamic `import()`), read with the TypeScript compiler's own pre-processor, so comments and
 * strings that look like imports are not counted.
 */
export function importGraph(repoRoot: string, srcDir = 'src'): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of walk(resolve(repoRoot, srcDir))) {
    const from = toRepoPath(repoRoot, file);
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName: specifier } of info.importedFiles) {
      const to = specifier.startsWith('.') ? toRepoPath(repoRoot, resolve(dirname(file), specifier)) : null;
      edges.push({ from, specifier, to });
    }
  }
  return edges;
}

function toRepoPath(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}

/**
 * The folder of `path` at `depth` segments under src: depth 1 → 'src/core', depth 2 →
 * 'src/core/pipeline'. A file that lies above that depth (src/core/errors.ts at depth 2) is a group
 * of its own.
 */
export function folderOf(path: string, depth: number): string {
  const parts = path.split('/');
  return parts.length - 1 > depth ? parts.slice(0, depth + 1).join('/') : path;
}

/** Cycles of the graph whose nodes are `group(file)` (strongly connected components of more than one node, or a node importing itself). */
export function cycles(edges: ImportEdge[], group: (path: string) => string): string[][] {
  const next = new Map<string, Set<string>>();
  for (const e of edges) {
    if (e.to === null) continue;
    const a = group(e.from);
    const b = group(e.to);
    if (!next.has(a)) next.set(a, new Set());
    if (!next.has(b)) next.set(b, new Set());
    if (a !== b) next.get(a)!.add(b);
  }
  // Tarjan's strongly connected components.
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    indexOf.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
      }
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of [...next.keys()].sort()) if (!indexOf.has(v)) visit(v);
  return found;
}

/** Files under `dir` (relative to the repository) that read `process.<name>` in code (comments and strings do not count). */
export function filesReading(repoRoot: string, dir: string, name: string): string[] {
  const found: string[] = [];
  for (const file of walk(resolve(repoRoot, dir))) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
    let reads = false;
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'process' && node.name.text === name) reads = true;
      if (!reads) ts.forEachChild(node, visit);
    };
    visit(source);
    if (reads) found.push(toRepoPath(repoRoot, file));
  }
  return found;
}
