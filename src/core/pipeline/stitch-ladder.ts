import { buffer } from 'node:stream/consumers';
import { ValidationError } from '../errors.ts';
import { chunkInitFile, chunkPlaylistFile } from '../ladder/plan-chunks.ts';
import { cacheControlFor, contentTypeFor } from '../media-files.ts';
import type { Rendition } from '../model/video.ts';
import type { EncodeResult } from '../ports/encode-backend.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { writeDashManifest, type DashRendition } from '../playlists/dash-manifest.ts';
import { writeMasterPlaylist, type MasterPlaylistOptions } from '../playlists/master-playlist.ts';
import { parseMediaPlaylist, type MediaPlaylistInfo } from '../playlists/media-playlist.ts';

/** Each rung's stitched playlist, as in an unsplit ladder. */
const PLAYLIST_FILE = 'index.m3u8';
const MASTER_FILE = 'master.m3u8';
/** The DASH manifest beside the master, as an unsplit ladder writes it. */
const DASH_MANIFEST_FILE = 'manifest.mpd';

export interface StitchInput {
  media: ObjectStore;
  /** The video's prefix, e.g. "<id>/". */
  prefix: string;
  /** The results of the chunks, in order (index 0 first): their video renditions, playlists at `<rung>/chunk-<index>.m3u8`. */
  chunks: EncodeResult[];
  /** The result of the rest: the audio rendition (if any), stills, captions, storyboard. */
  rest: EncodeResult;
  master: MasterPlaylistOptions;
}

/**
 * Stitches the parts of a split ladder into what an unsplit ladder publishes, from the objects the
 * parts published (no media is read but the init segments, compared byte for byte):
 * - per rung, one VOD media playlist `<rung>/index.m3u8` listing every chunk's segments in order,
 *   with their durations. The chunks' timestamps are those of the whole video, so the segments follow
 *   each other as they are; one EXT-X-MAP when every chunk's init segment is the same, else a
 *   discontinuity and the chunk's own map where it changes;
 * - the DASH manifest over the same segments (when every rung has one init segment);
 * - the master playlist, last, with each rung's peak and average rate over the whole video.
 * Every part must list the same rungs. Writing it twice writes the same objects.
 */
export async function stitchLadder(input: StitchInput): Promise<EncodeResult> {
  const { media, prefix, chunks, rest } = input;
  if (chunks.length === 0) throw new ValidationError('nothing to stitch');
  const rungNames = chunks[0].renditions.map((r) => r.name);
  for (const [index, chunk] of chunks.entries()) {
    const names = chunk.renditions.map((r) => r.name);
    if (names.join('\n') !== rungNames.join('\n')) throw new ValidationError(`chunk ${index} has rungs ${names.join(', ')}, chunk 0 has ${rungNames.join(', ')}`);
  }
  const audio = rest.renditions.find((r) => r.width === 0) ?? null;
  const renditions: Rendition[] = [];
  const dash: DashRendition[] = [];
  let continuous = true;
  for (const name of rungNames) {
    const playlists: MediaPlaylistInfo[] = [];
    for (let index = 0; index < chunks.length; index++) {
      const info = parseMediaPlaylist(await text(media, `${prefix}${name}/${chunkPlaylistFile(index)}`));
      if (!info.ended || info.segments.length === 0 || info.mapUri !== chunkInitFile(index)) {
        throw new ValidationError(`the playlist of chunk ${index} of ${name} is not a complete one`);
      }
      playlists.push(info);
    }
    const inits = await Promise.all(playlists.map(async (p) => buffer((await media.get(`${prefix}${name}/${p.mapUri}`)).body)));
    const body = stitchedPlaylist(playlists, inits);
    await put(media, `${prefix}${name}/${PLAYLIST_FILE}`, body);
    if (body.includes('#EXT-X-DISCONTINUITY')) continuous = false;

    const parts = chunks.map((c) => c.renditions.find((r) => r.name === name)!);
    const seconds = playlists.map((p) => p.totalDuration);
    const total = seconds.reduce((a, b) => a + b, 0);
    const first = parts[0];
    renditions.push({
      ...first,
      bandwidth: Math.max(...parts.map((p) => p.bandwidth)) + (audio?.bandwidth ?? 0),
      averageBandwidth: Math.ceil(parts.reduce((sum, p, i) => sum + p.averageBandwidth * seconds[i], 0) / (total || 1)) + (audio?.averageBandwidth ?? 0),
      codecs: [first.codecs, ...(audio ? [audio.codecs] : [])].join(','),
      playlist: `${name}/${PLAYLIST_FILE}`,
    });
    dash.push({ rendition: renditions[renditions.length - 1], playlist: body });
  }
  if (audio) renditions.push(audio);
  // The DASH manifest over the same segments, when each rung has one init segment.
  let dashKey: string | null = null;
  if (continuous) {
    if (audio) dash.push({ rendition: audio, playlist: await text(media, `${prefix}${audio.playlist}`) });
    dashKey = `${prefix}${DASH_MANIFEST_FILE}`;
    await put(media, dashKey, writeDashManifest(dash));
  }
  const masterKey = `${prefix}${MASTER_FILE}`;
  await put(media, masterKey, writeMasterPlaylist(renditions, input.master));
  return {
    masterKey,
    renditions,
    posterKey: rest.posterKey,
    thumbnailKey: rest.thumbnailKey,
    ...(rest.captions !== undefined ? { captions: rest.captions } : {}),
    storyboard: rest.storyboard ?? null,
    downloadKey: null,
    dashKey,
  };
}

/** One VOD media playlist over the chunks' playlists (each with its own init segment). */
export function stitchedPlaylist(playlists: MediaPlaylistInfo[], inits: Buffer[]): string {
  const longest = Math.max(...playlists.flatMap((p) => p.segments.map((s) => s.duration)));
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${Math.max(1, Math.round(longest))}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
  ];
  playlists.forEach((p, index) => {
    if (index === 0) lines.push(`#EXT-X-MAP:URI="${p.mapUri}"`);
    else if (!inits[index].equals(inits[index - 1])) lines.push('#EXT-X-DISCONTINUITY', `#EXT-X-MAP:URI="${p.mapUri}"`);
    for (const s of p.segments) lines.push(`#EXTINF:${s.duration.toFixed(6)},`, s.uri);
  });
  lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

async function text(media: ObjectStore, key: string): Promise<string> {
  return (await buffer((await media.get(key)).body)).toString('utf8');
}

async function put(media: ObjectStore, key: string, body: string): Promise<void> {
  await media.put(key, Buffer.from(body), { contentType: contentTypeFor(key), cacheControl: cacheControlFor(key) });
}
