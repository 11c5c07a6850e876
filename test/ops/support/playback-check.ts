import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import HLS from 'hls-parser';

/**
 * Integrity checks of published HLS: every playlist served refers only to files that exist and are
 * served whole, and the same on disk (for the local store, also at the moment a process was killed).
 */

export interface PlaybackReport {
  renditions: number;
  segments: number;
  /** Seconds of media listed by each media playlist. */
  durations: number[];
}

/** Fetches the master playlist, every media playlist, init section and segment; throws on any gap. */
export async function checkPlayback(masterUrl: string): Promise<PlaybackReport> {
  const master = await fetchOk(masterUrl);
  const parsed: any = HLS.parse(master.toString('utf8'));
  if (!parsed.isMasterPlaylist) throw new Error(`${masterUrl} is not a master playlist`);
  const uris = new Set<string>();
  for (const v of parsed.variants) {
    uris.add(v.uri);
    for (const a of v.audio ?? []) if (a.uri) uris.add(a.uri);
  }
  const report: PlaybackReport = { renditions: uris.size, segments: 0, durations: [] };
  for (const uri of uris) {
    const url = new URL(uri, masterUrl);
    const media: any = HLS.parse((await fetchOk(url.toString())).toString('utf8'));
    if (!media.endlist) throw new Error(`${url.pathname} has no EXT-X-ENDLIST`);
    const maps = new Set<string>();
    let seconds = 0;
    for (const seg of media.segments) {
      if (seg.map?.uri) maps.add(seg.map.uri);
      const body = await fetchOk(new URL(seg.uri, url).toString());
      if (body.length === 0) throw new Error(`${seg.uri} of ${url.pathname} is empty`);
      report.segments++;
      seconds += seg.duration;
    }
    for (const map of maps) await fetchOk(new URL(map, url).toString());
    report.durations.push(Math.round(seconds * 100) / 100);
  }
  return report;
}

async function fetchOk(url: string): Promise<Buffer> {
  const res = await fetch(url);
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`GET ${new URL(url).pathname} answered ${res.status}`);
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared !== body.length) {
    throw new Error(`GET ${new URL(url).pathname}: ${body.length} bytes received, Content-Length said ${declared}`);
  }
  return body;
}

/**
 * Every playlist under `dir` (on disk) against the files next to it: returns the references that
 * point at missing or empty files (an empty list when everything a playlist lists is present).
 */
export async function danglingReferences(dir: string): Promise<string[]> {
  const problems: string[] = [];
  for (const file of await listFiles(dir)) {
    if (!file.endsWith('.m3u8') || file.includes('/.vodkit/')) continue; // the store's own sidecar files
    const text = await readFile(file, 'utf8');
    const refs = [
      ...text.split('\n').filter((l) => l.trim() && !l.startsWith('#')),
      ...[...text.matchAll(/URI="([^"]+)"/g)].map((m) => m[1]),
    ].map((r) => r.trim().split('?')[0]);
    for (const ref of refs) {
      const target = join(dirname(file), ref);
      const info = await stat(target).catch(() => null);
      if (!info || info.size === 0) problems.push(`${relative(dir, file)} -> ${ref}`);
    }
  }
  return problems;
}

/** Every file below `dir`, recursively (absolute paths); [] when `dir` does not exist. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}
