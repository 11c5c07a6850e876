import { ValidationError } from '../errors.ts';
import type { Rendition } from '../model/video.ts';
import { parseMediaPlaylist } from './media-playlist.ts';

/**
 * A static DASH manifest (ISO/IEC 23009-1, on-demand, profile isoff-main) over the fMP4 segments
 * the HLS renditions already have: no second copy of the media. Each representation is a
 * SegmentList naming the rendition's init segment (`#EXT-X-MAP`) and every segment of its final VOD
 * media playlist, with a SegmentTimeline of their `#EXTINF` durations. URLs are relative to the
 * manifest, which sits at the root of the video's folder (beside the HLS master).
 *
 * One AdaptationSet holds the video renditions (a Representation per rung), another the audio
 * rendition. A video rendition's `bandwidth` and `codecs` include the audio's in HLS (see
 * master-playlist.ts); here each Representation declares its own stream only.
 */
export interface DashRendition {
  rendition: Rendition;
  /** The text of its complete VOD media playlist (with EXT-X-ENDLIST). */
  playlist: string;
}

/** Ticks per second of the segment timelines. */
const TIMESCALE = 90_000;

export function writeDashManifest(inputs: readonly DashRendition[]): string {
  if (inputs.length === 0) throw new ValidationError('a DASH manifest needs at least one rendition');
  const parsed = inputs.map((i) => ({ rendition: i.rendition, info: parseMediaPlaylist(i.playlist) }));
  for (const p of parsed) {
    if (!p.info.ended) throw new ValidationError(`the playlist of ${p.rendition.name} is not complete`);
    if (!p.info.mapUri) throw new ValidationError(`the playlist of ${p.rendition.name} has no init segment (not fMP4)`);
    if (p.info.segments.length === 0) throw new ValidationError(`the playlist of ${p.rendition.name} has no segment`);
  }
  const video = parsed.filter((p) => p.rendition.width > 0).sort((a, b) => a.rendition.bandwidth - b.rendition.bandwidth);
  const audio = parsed.filter((p) => p.rendition.width === 0).sort((a, b) => b.rendition.bandwidth - a.rendition.bandwidth).slice(0, 1);
  const audioBandwidth = audio[0]?.rendition.bandwidth ?? 0;
  const duration = Math.max(...parsed.map((p) => p.info.totalDuration));

  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-main:2011" type="static" mediaPresentationDuration="${isoDuration(duration)}" minBufferTime="PT2S">`,
    '  <Period id="0" start="PT0S">',
  ];
  if (video.length > 0) {
    const maxWidth = Math.max(...video.map((v) => v.rendition.width));
    const maxHeight = Math.max(...video.map((v) => v.rendition.height));
    lines.push(`    <AdaptationSet id="0" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1" maxWidth="${maxWidth}" maxHeight="${maxHeight}">`);
    for (const v of video) {
      const r = v.rendition;
      const attrs = [
        `id="${xml(r.name)}"`,
        `codecs="${xml(codecsOf(r, 'video'))}"`,
        `bandwidth="${Math.max(1, r.bandwidth - audioBandwidth)}"`,
        `width="${r.width}"`,
        `height="${r.height}"`,
        ...(r.frameRate ? [`frameRate="${frameRate(r.frameRate)}"`] : []),
        'sar="1:1"',
      ];
      lines.push(`      <Representation ${attrs.join(' ')}>`, ...segmentList(v.rendition, v.info, '        '), '      </Representation>');
    }
    lines.push('    </AdaptationSet>');
  }
  for (const a of audio) {
    const r = a.rendition;
    lines.push(
      `    <AdaptationSet id="${video.length > 0 ? 1 : 0}" contentType="audio" mimeType="audio/mp4" segmentAlignment="true" startWithSAP="1">`,
      `      <Representation id="${xml(r.name)}" codecs="${xml(codecsOf(r, 'audio'))}" bandwidth="${Math.max(1, r.bandwidth)}">`,
      ...segmentList(r, a.info, '        '),
      '      </Representation>',
      '    </AdaptationSet>',
    );
  }
  lines.push('  </Period>', '</MPD>', '');
  return lines.join('\n');
}

/** The rendition's init segment and segments, their URLs relative to the manifest (the video's folder). */
function segmentList(r: Rendition, info: ReturnType<typeof parseMediaPlaylist>, indent: string): string[] {
  const folder = r.playlist.includes('/') ? r.playlist.slice(0, r.playlist.lastIndexOf('/') + 1) : '';
  const url = (uri: string): string => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('/') || uri.split('/').includes('..')) {
      throw new ValidationError(`the playlist of ${r.name} refers to a file outside its folder: ${uri}`);
    }
    return xml(folder + uri);
  };
  // Start times are rounded from the running sum of the durations, so rounding never accumulates.
  const starts: number[] = [0];
  let sum = 0;
  for (const s of info.segments) {
    sum += s.duration;
    starts.push(Math.round(sum * TIMESCALE));
  }
  const runs: Array<{ d: number; r: number }> = [];
  for (let i = 0; i < info.segments.length; i++) {
    const d = starts[i + 1] - starts[i];
    const last = runs[runs.length - 1];
    if (last && last.d === d) last.r++;
    else runs.push({ d, r: 0 });
  }
  const timeline = runs.map((run, i) => `<S${i === 0 ? ' t="0"' : ''} d="${run.d}"${run.r > 0 ? ` r="${run.r}"` : ''} />`);
  return [
    `${indent}<SegmentList timescale="${TIMESCALE}">`,
    `${indent}  <Initialization sourceURL="${url(info.mapUri!)}" />`,
    `${indent}  <SegmentTimeline>`,
    ...timeline.map((s) => `${indent}    ${s}`),
    `${indent}  </SegmentTimeline>`,
    ...info.segments.map((s) => `${indent}  <SegmentURL media="${url(s.uri)}" />`),
    `${indent}</SegmentList>`,
  ];
}

/** The codecs of one kind of stream from a rendition's RFC 6381 list (a video rung's names its audio too). */
function codecsOf(r: Rendition, kind: 'video' | 'audio'): string {
  const audioCodec = (c: string) => /^(mp4a|ac-3|ec-3|opus|flac)/i.test(c);
  const list = r.codecs.split(',').map((c) => c.trim()).filter(Boolean);
  const picked = list.filter((c) => (kind === 'audio' ? audioCodec(c) : !audioCodec(c)));
  if (picked.length === 0) throw new ValidationError(`rendition ${r.name} declares no ${kind} codec`);
  return picked.join(',');
}

/** A frame rate as DASH writes it: an integer, or NTSC rates as n/1001, else n/1000. */
function frameRate(fps: number): string {
  if (Math.abs(fps - Math.round(fps)) < 0.001) return String(Math.round(fps));
  const ntsc = (fps * 1001) / 1000;
  if (Math.abs(ntsc - Math.round(ntsc)) < 0.01) return `${Math.round(ntsc) * 1000}/1001`;
  return `${Math.round(fps * 1000)}/1000`;
}

/** xs:duration of a number of seconds, e.g. PT12.345S. */
function isoDuration(seconds: number): string {
  return `PT${Math.round(seconds * 1000) / 1000}S`;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
