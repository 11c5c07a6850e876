import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VIDEO_STATUSES } from '../../../src/core/model/video.ts';

/**
 * Every change of a video's status goes through src/core/videos/lifecycle.ts: no other file passes
 * a status (or the playable flag) to the catalog's createVideo or updateVideo, or writes a status
 * value into an object of its own to hand on.
 */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const LIFECYCLE = 'src/core/videos/lifecycle.ts';
/** The catalog adapters store what they are given; the browser app and the API client only read the API. */
const NOT_WRITERS = ['src/adapters/catalog/', 'src/web/', 'src/client/'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** The text between the parenthesis at `open` and the one that closes it. */
function argumentsAt(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1);
}

const files = sourceFiles(join(ROOT, 'src'))
  .map((path) => ({ path: relative(ROOT, path).split('\\').join('/'), text: readFileSync(path, 'utf8') }))
  .filter((f) => f.path !== LIFECYCLE && !NOT_WRITERS.some((p) => f.path.startsWith(p)));

describe('the video lifecycle is the one writer of statuses', () => {
  it('sees the source tree', () => {
    expect(files.some((f) => f.path === 'src/core/videos/video-service.ts')).toBe(true);
  });

  it('no file but lifecycle.ts passes a status or the playable flag to createVideo or updateVideo', () => {
    const found: string[] = [];
    for (const { path, text } of files) {
      for (const m of text.matchAll(/\b(createVideo|updateVideo)\s*\(/g)) {
        const args = argumentsAt(text, m.index + m[0].length - 1);
        if (/\b(status|playable)\s*:/.test(args)) found.push(`${path}:${text.slice(0, m.index).split('\n').length} ${m[1]}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('no file but lifecycle.ts writes a status value into an object', () => {
    const literal = new RegExp(`\\bstatus\\s*:\\s*['"](${VIDEO_STATUSES.join('|')})['"]`, 'g');
    const found = files.flatMap(({ path, text }) => [...text.matchAll(literal)].map((m) => `${path}:${text.slice(0, m.index).split('\n').length} ${m[0]}`));
    expect(found).toEqual([]);
  });
});
