import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CaptionTrack } from '../../../core/model/video.ts';
import type { MediaInfo, SubtitleStreamInfo } from '../../../core/model/media-info.ts';
import type { Logger } from '../../../core/ports/logger.ts';
import type { ObjectStore } from '../../../core/ports/object-store.ts';
import { languageName, languageOrNull } from '../../../core/captions/language.ts';
import { putCaptionFiles } from '../../../core/captions/publish-captions.ts';
import { normalizeLines } from '../../../core/captions/webvtt.ts';
import { AbortedError } from '../../../core/errors.ts';
import { fileUrl, safeInputArgs } from './demuxers.ts';
import { readLimit } from './ffmpeg-args.ts';
import { rawStderr } from './ffmpeg-errors.ts';
import { runProcess } from './run-process.ts';

/** Text subtitle codecs ffmpeg converts to WebVTT; bitmap ones (PGS, DVB, VobSub) cannot be. */
const TEXT_CODECS = new Set(['subrip', 'srt', 'ass', 'ssa', 'mov_text', 'webvtt', 'text', 'microdvd', 'subviewer', 'subviewer1', 'mpl2', 'vplayer', 'pjs', 'realtext', 'sami', 'stl', 'jacosub']);

/** At most this many streams of a file become tracks (each is a pass over the file). */
const MAX_TRACKS = 16;

/** Folder of the captions taken from the upload, under the output prefix (API tracks are in `captions/`). */
export const UPLOAD_CAPTIONS_FOLDER = 'captions/upload';

export interface ExtractCaptionsRequest {
  inputPath: string;
  /** A scratch folder of the encode. */
  workDir: string;
  media: MediaInfo;
  /** Prefix of the video in the media store, e.g. "<videoId>/". */
  outputPrefix: string;
  signal?: AbortSignal;
}

export interface ExtractCaptionsTools {
  ffmpegPath: string;
  launcher?: readonly string[];
  store: ObjectStore;
  logger?: Logger;
}

/**
 * Takes each text subtitle stream of the source as a caption track: one ffmpeg run per stream
 * converts it to WebVTT, published with its HLS playlist under `<prefix>captions/upload/`. The
 * language is the stream's tag ("und" when it has none; a second stream of a language gets a
 * private-use suffix, e.g. "en-x-s3"), the label its title or the language's English name. Bitmap
 * streams are skipped, and so is a stream ffmpeg cannot convert (logged): the video plays without it.
 */
export async function extractCaptions(tools: ExtractCaptionsTools, request: ExtractCaptionsRequest): Promise<CaptionTrack[]> {
  const tracks: CaptionTrack[] = [];
  const taken = new Set<string>();
  for (const stream of request.media.subtitles ?? []) {
    if (request.signal?.aborted) throw new AbortedError('the encode was aborted');
    if (tracks.length >= MAX_TRACKS) {
      tools.logger?.warn({ index: stream.index, max: MAX_TRACKS }, 'more subtitle streams than tracks taken from a file; the rest skipped');
      break;
    }
    if (!TEXT_CODECS.has(stream.codec)) {
      tools.logger?.info({ index: stream.index, codec: stream.codec }, 'bitmap subtitle stream skipped: it cannot become WebVTT captions');
      continue;
    }
    const vtt = await toWebVtt(tools, request, stream);
    if (vtt === null) continue;
    const base = languageOrNull(stream.language) ?? 'und';
    const language = taken.has(base) ? `${base}-x-s${stream.index}` : base;
    taken.add(language);
    const track: CaptionTrack = {
      language,
      label: stream.title?.replace(/["\r\n]/g, ' ').trim().slice(0, 100) || languageName(base),
      vttKey: `${request.outputPrefix}${UPLOAD_CAPTIONS_FOLDER}/${language}.vtt`,
      playlistKey: `${request.outputPrefix}${UPLOAD_CAPTIONS_FOLDER}/${language}.m3u8`,
      source: 'upload',
    };
    await putCaptionFiles(tools.store, track, vtt, request.media.durationSec);
    tracks.push(track);
  }
  return tracks;
}

/** The stream as WebVTT text, or null (logged) when ffmpeg could not convert it or it has no cue. */
async function toWebVtt(tools: ExtractCaptionsTools, request: ExtractCaptionsRequest, stream: SubtitleStreamInfo): Promise<string | null> {
  const out = join(resolve(request.workDir), `subtitles-${stream.index}.vtt`);
  // Read no further than the probed duration, as the encode (a forged header cannot make it read on).
  const args = ['-hide_banner', '-nostdin', '-v', 'error', ...readLimit(request.media), ...safeInputArgs(resolve(request.inputPath)), '-map', `0:${stream.index}`, '-c:s', 'webvtt', '-f', 'webvtt', '-y', fileUrl(out)];
  const result = await runProcess(tools.ffmpegPath, args, { signal: request.signal, launcher: tools.launcher });
  if (result.code !== 0) {
    tools.logger?.warn({ index: stream.index, codec: stream.codec, detail: rawStderr('ffmpeg', result).message }, 'subtitle stream not converted to WebVTT; skipped');
    return null;
  }
  const text = normalizeLines(await readFile(out, 'utf8'));
  if (!text.includes('-->')) {
    tools.logger?.info({ index: stream.index }, 'subtitle stream without cues skipped');
    return null;
  }
  return text;
}
