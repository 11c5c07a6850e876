import { ValidationError } from '../errors.ts';
import type { Rendition } from '../model/video.ts';

/**
 * Writes an HLS master playlist (RFC 8216, version 7 for fMP4 segments).
 *
 * - A rendition with width 0 is the audio rendition. When there are video renditions too, it is
 *   published once as an EXT-X-MEDIA audio group that every variant references; each video
 *   rendition's `bandwidth`, `averageBandwidth` and `codecs` are written as given, so they must
 *   already include the audio (BANDWIDTH is the peak of everything a player fetches for the variant).
 * - Without video renditions, the audio renditions are the variants (an audio-only master).
 * - Variants are sorted by BANDWIDTH, lowest first. FRAME-RATE has three decimals.
 */
export interface MasterPlaylistOptions {
  /** GROUP-ID of the audio group (default "audio"). */
  audioGroupId?: string;
  /** NAME of the audio rendition (default "Audio"). */
  audioName?: string;
  /** CHANNELS of the audio rendition, e.g. 2. */
  audioChannels?: number;
  /** LANGUAGE of the audio rendition (RFC 5646), e.g. "en". */
  audioLanguage?: string;
}

export function writeMasterPlaylist(renditions: readonly Rendition[], opts: MasterPlaylistOptions = {}): string {
  if (renditions.length === 0) throw new ValidationError('a master playlist needs at least one rendition');
  for (const r of renditions) checkRendition(r);
  const groupId = opts.audioGroupId ?? 'audio';
  checkAttribute('audio group id', groupId);

  const video = renditions.filter((r) => r.width > 0).sort(byBandwidth);
  const audio = renditions.filter((r) => r.width === 0).sort(byBandwidth);
  if (video.length > 0 && audio.length > 1) {
    throw new ValidationError('only one audio rendition can be published with video renditions');
  }

  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  if (video.length > 0) {
    const track = audio[0];
    if (track) {
      const name = opts.audioName ?? 'Audio';
      checkAttribute('audio name', name);
      const attrs = [`TYPE=AUDIO`, `GROUP-ID="${groupId}"`, `NAME="${name}"`];
      if (opts.audioLanguage) {
        checkAttribute('audio language', opts.audioLanguage);
        attrs.push(`LANGUAGE="${opts.audioLanguage}"`);
      }
      attrs.push('DEFAULT=YES', 'AUTOSELECT=YES');
      if (opts.audioChannels) attrs.push(`CHANNELS="${Math.round(opts.audioChannels)}"`);
      attrs.push(`URI="${track.playlist}"`);
      lines.push(`#EXT-X-MEDIA:${attrs.join(',')}`);
    }
    for (const r of video) {
      const attrs = streamAttributes(r);
      attrs.push(`RESOLUTION=${r.width}x${r.height}`);
      if (r.frameRate !== null) attrs.push(`FRAME-RATE=${r.frameRate.toFixed(3)}`);
      if (track) attrs.push(`AUDIO="${groupId}"`);
      lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, r.playlist);
    }
  } else {
    for (const r of audio) lines.push(`#EXT-X-STREAM-INF:${streamAttributes(r).join(',')}`, r.playlist);
  }
  return `${lines.join('\n')}\n`;
}

function streamAttributes(r: Rendition): string[] {
  return [
    `BANDWIDTH=${Math.ceil(r.bandwidth)}`,
    `AVERAGE-BANDWIDTH=${Math.ceil(r.averageBandwidth)}`,
    `CODECS="${r.codecs}"`,
  ];
}

function byBandwidth(a: Rendition, b: Rendition): number {
  return a.bandwidth - b.bandwidth || a.height - b.height;
}

function checkRendition(r: Rendition): void {
  if (!(r.bandwidth > 0) || !(r.averageBandwidth > 0)) {
    throw new ValidationError(`rendition ${r.name} needs a positive bandwidth and average bandwidth`);
  }
  if (r.width < 0 || r.height < 0 || (r.width === 0) !== (r.height === 0)) {
    throw new ValidationError(`rendition ${r.name} has an invalid size ${r.width}x${r.height}`);
  }
  if (r.frameRate !== null && !(r.frameRate > 0)) {
    throw new ValidationError(`rendition ${r.name} has an invalid frame rate ${r.frameRate}`);
  }
  checkAttribute(`codecs of ${r.name}`, r.codecs);
  if (!r.playlist || /[\s"#]/.test(r.playlist) || r.playlist.startsWith('/') || r.playlist.includes('..')) {
    throw new ValidationError(`rendition ${r.name} has an invalid playlist path "${r.playlist}"`);
  }
}

function checkAttribute(what: string, value: string): void {
  if (!value || /["\r\n]/.test(value)) throw new ValidationError(`${what} cannot be empty or contain quotes or newlines`);
}
