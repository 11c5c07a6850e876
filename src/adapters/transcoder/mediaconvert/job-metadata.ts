import { z } from 'zod';
import type { Rendition } from '../../../core/model/video.ts';
import type { EncodeRequest } from '../../../core/ports/encode-backend.ts';
import { AAC_LC_CODECS, h264Codecs, h264RungSettings } from './h264-rung.ts';
import { AUDIO_NAME, makesDownload, playlistOf } from './output-layout.ts';

/**
 * What a MediaConvert job carries back to vodkit in its `UserMetadata` (string to string, echoed
 * in every "MediaConvert Job State Change" event): the encode it belongs to, and the ladder it was
 * asked for, so that its completion can be turned into an EncodeResult without the request.
 *
 * Values are kept short (a few dozen characters; at most 256, like AWS tags), the ladder written
 * compactly: `ladder` = "<name>:<width>x<height>:<peak kbit/s>:<H.264 level_idc>" per rung, comma
 * separated ("" without video); `fps` = the output frame rate; `audioKbps` = the AAC rate ("" without
 * audio); `download` = "1" when the job makes the downloadable MP4 (absent otherwise).
 */
export interface JobMetadata {
  videoId: string;
  attemptId: string;
  mode: 'first-playable' | 'ladder';
  outputPrefix: string;
  /** "" when the request had no folder. */
  folder: string;
  /** The renditions the master lists, as planned (bandwidths are the rungs' peaks). */
  renditions: Rendition[];
  /** Which attempt of its stage the job is, of how many (EncodeRequest.attempt; 1 of 1 when absent). */
  attempt: number;
  maxAttempts: number;
  /** The job writes the downloadable MP4 (`<outputPrefix>download.mp4`). */
  download: boolean;
}

export const MAX_METADATA_VALUE = 256;

const RUNG = /^([A-Za-z0-9_-]+):(\d+)x(\d+):(\d+):(\d+)$/;

const metadataSchema = z.object({
  videoId: z.string().min(1),
  attemptId: z.string().min(1),
  mode: z.enum(['first-playable', 'ladder']),
  outputPrefix: z.string().min(1),
  folder: z.string().default(''),
  ladder: z.string().default(''),
  fps: z.string().default(''),
  audioKbps: z.string().default(''),
  attempt: z.string().regex(/^[1-9]\d{0,3}$/).default('1'),
  maxAttempts: z.string().regex(/^[1-9]\d{0,3}$/).default('1'),
  download: z.enum(['', '1']).default(''),
});

/** UserMetadata of the job of a request (mode first-playable or ladder). */
export function toUserMetadata(request: EncodeRequest): Record<string, string> {
  const { plan } = request;
  const video = plan.video;
  const ladder = (video?.rungs ?? []).map((r) => {
    const { levelIdc } = h264RungSettings(r, video!.fps);
    return `${r.name}:${r.width}x${r.height}:${r.maxrateKbps}:${levelIdc}`;
  });
  return {
    videoId: request.videoId,
    attemptId: request.attemptId,
    mode: request.mode,
    outputPrefix: request.outputPrefix,
    folder: request.folder ?? '',
    ladder: ladder.join(','),
    fps: video ? String(Math.round(video.fps * 1000) / 1000) : '',
    audioKbps: plan.audio ? String(plan.audio.bitrateKbps) : '',
    attempt: String(request.attempt?.number ?? 1),
    maxAttempts: String(request.attempt?.max ?? 1),
    ...(makesDownload(request) ? { download: '1' } : {}),
  };
}

/** The metadata of a job vodkit submitted, or null for any other job (or metadata that does not parse). */
export function fromUserMetadata(userMetadata: Record<string, string> | undefined): JobMetadata | null {
  const parsed = metadataSchema.safeParse(userMetadata ?? {});
  if (!parsed.success) return null;
  const m = parsed.data;
  const audioKbps = m.audioKbps === '' ? 0 : Number(m.audioKbps);
  const fps = m.fps === '' ? null : Number(m.fps);
  if (!Number.isInteger(audioKbps) || audioKbps < 0 || (fps !== null && !(fps > 0))) return null;
  const rungs = m.ladder === '' ? [] : m.ladder.split(',').map((s) => RUNG.exec(s));
  if (rungs.some((r) => r === null) || (rungs.length > 0 && fps === null) || (rungs.length === 0 && audioKbps === 0)) return null;
  const folder = { folder: m.folder || undefined };
  const audioBps = audioKbps * 1000;
  const renditions: Rendition[] = rungs.map((r) => {
    const [, name, width, height, kbps, levelIdc] = r!;
    const bps = Number(kbps) * 1000 + audioBps;
    return {
      name,
      width: Number(width),
      height: Number(height),
      bandwidth: bps,
      averageBandwidth: bps,
      codecs: [h264Codecs(Number(levelIdc)), ...(audioBps ? [AAC_LC_CODECS] : [])].join(','),
      frameRate: fps,
      playlist: playlistOf(folder, name),
    };
  });
  if (audioBps) {
    renditions.push({
      name: AUDIO_NAME,
      width: 0,
      height: 0,
      bandwidth: audioBps,
      averageBandwidth: audioBps,
      codecs: AAC_LC_CODECS,
      frameRate: null,
      playlist: playlistOf(folder, AUDIO_NAME),
    });
  }
  const { videoId, attemptId, mode, outputPrefix } = m;
  return {
    videoId,
    attemptId,
    mode,
    outputPrefix,
    folder: m.folder,
    renditions,
    attempt: Number(m.attempt),
    maxAttempts: Number(m.maxAttempts),
    download: m.download === '1',
  };
}

/**
 * The renditions of a request as its master lists them: one per rung (the video's codecs and the
 * audio's; bandwidth = the rung's peak plus the audio rate), then the audio rendition. Playlists
 * are relative to the output prefix. Average bandwidths are provisional (the peaks) until the job's
 * COMPLETE event reports the averages it measured.
 */
export function plannedRenditions(request: EncodeRequest): Rendition[] {
  return fromUserMetadata(toUserMetadata(request))?.renditions ?? [];
}
