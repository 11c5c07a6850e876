import fresh from 'fresh';
import parseRange from 'range-parser';

/**
 * Conditional and range requests on a stored representation, as a static file server answers
 * them (RFC 9110 §13 and §14; the same choices as the `send` module behind Express and Fastify's
 * static plugin):
 * - `If-Match` / `If-Unmodified-Since` that fail → 412;
 * - `If-None-Match` / `If-Modified-Since` that match (GET or HEAD) → 304;
 * - one satisfiable byte range (`bytes=a-b`, `a-`, `-n`) → 206, unless an `If-Range` (entity tag,
 *   strong comparison, or exactly the Last-Modified date) no longer matches → 200 full body;
 * - a range set of which no range is satisfiable (or whose last byte comes before its first)
 *   → 416 with `Content-Range: bytes *\/size`;
 * - malformed, non-bytes or multiple ranges → ignored: 200 with the full body.
 */
export interface Representation {
  size: number;
  /** Quoted entity tag, e.g. `"abc"`. */
  etag: string;
  /** Omitted when the representation has no meaningful modification date. */
  lastModified?: Date;
}

export type ConditionalOutcome =
  | { status: 412 }
  | { status: 304 }
  | { status: 416 }
  | { status: 200 }
  | { status: 206; range: { start: number; end: number } };

export function evaluateConditionalGet(method: string, headers: Record<string, string | string[] | undefined>, rep: Representation): ConditionalOutcome {
  const header = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  const lastModified = rep.lastModified ? rep.lastModified.toUTCString() : undefined;

  // Preconditions a client sets to change or read only the version it knows (RFC 9110 §13.2.2).
  const ifMatch = header('if-match');
  if (ifMatch !== undefined) {
    if (ifMatch.trim() !== '*' && !entityTags(ifMatch).some((t) => strongMatch(t, rep.etag))) return { status: 412 };
  } else {
    const ifUnmodifiedSince = httpDate(header('if-unmodified-since'));
    if (ifUnmodifiedSince !== null && rep.lastModified && seconds(rep.lastModified) > ifUnmodifiedSince) return { status: 412 };
  }
  // Only the validators go to `fresh`: a request's Cache-Control speaks to caches, not to how the
  // origin evaluates them (fetch() adds `no-cache` to every conditional request it sends).
  const validators = { 'if-none-match': header('if-none-match'), 'if-modified-since': header('if-modified-since') };
  if ((method === 'GET' || method === 'HEAD') && fresh(validators, { etag: rep.etag, 'last-modified': lastModified })) return { status: 304 };

  const rangeHeader = header('range');
  if (rangeHeader === undefined || (method !== 'GET' && method !== 'HEAD')) return { status: 200 };
  const ifRange = header('if-range');
  if (ifRange !== undefined && !ifRangeMatches(ifRange.trim(), rep.etag, lastModified)) return { status: 200 };
  const ranges = parseRange(rep.size, rangeHeader, { combine: true });
  if (ranges === -1) return { status: 416 };
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return { status: 200 };
  return { status: 206, range: { start: ranges[0]!.start, end: ranges[0]!.end } };
}

/** `If-Range`: an entity tag matches by strong comparison only; a date only when it is exactly Last-Modified. */
function ifRangeMatches(value: string, etag: string, lastModified: string | undefined): boolean {
  if (value.startsWith('"') || value.startsWith('W/')) return strongMatch(value, etag);
  if (!lastModified) return false;
  const date = httpDate(value);
  return date !== null && date === httpDate(lastModified);
}

function strongMatch(a: string, b: string): boolean {
  return !a.startsWith('W/') && !b.startsWith('W/') && a === b;
}

function entityTags(list: string): string[] {
  return list.match(/(?:W\/)?"[^"]*"/g) ?? [];
}

/** An HTTP date in whole seconds since the epoch, or null when absent or not a date. */
function httpDate(value: string | undefined): number | null {
  if (value === undefined) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
