import { z } from 'zod';
import type { Rendition } from '../../../core/model/video.ts';
import type { EncodeRequest } from '../../../core/ports/encode-backend.ts';
import { AAC_LC_CODECS, h264RungSettings } from './h264-rung.ts';
import { AUDIO_NAME, playlistOf } from './output-layout.ts';

/**
 * What a MediaConvert job carries back to vodkit in its `UserMetadata` (string to string, echoed
 * in every "MediaConvert Job State Change" event): the encode it belongs to, and the renditions the
 * job was asked for, so that its completion can be turned into an EncodeResult without the request.
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
}

const renditionSchema = z.object({
  name: z.string().min(1),
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
  bandwidth: z.number().int().positive(),
  averageBandwidth: z.number().int().positive(),
  codecs: z.string().min(1),
  frameRate: z.number().positive().nullable(),
  playlist: z.string().min(1),
});

const metadataSchema = z.object({
  videoId: z.string().min(1),
  attemptId: z.string().min(1),
  mode: z.enum(['first-playable', 'ladder']),
  outputPrefix: z.string().min(1),
  folder: z.string().default(''),
  renditions: z.string().min(2),
});

/** UserMetadata of a job: every value a string (renditions as JSON). */
export function toUserMetadata(metadata: JobMetadata): Record<string, string> {
  return {
    videoId: metadata.videoId,
    attemptId: metadata.attemptId,
    mode: metadata.mode,
    outputPrefix: metadata.outputPrefix,
    folder: metadata.folder,
    renditions: JSON.stringify(metadata.renditions),
  };
}

/** The metadata of a job vodkit submitted, or null for any other job (or metadata that does not parse). */
export function fromUserMetadata(userMetadata: Record<string, string> | undefined): JobMetadata | null {
  const parsed = metadataSchema.safeParse(userMetadata ?? {});
  if (!parsed.success) return null;
  let renditions: unknown;
  try {
    renditions = JSON.parse(parsed.data.renditions);
  } catch {
    return null;
  }
  const list = z.array(renditionSchema).min(1).safeParse(renditions);
  if (!list.success) return null;
  return { ...parsed.data, renditions: list.data };
}

/**
 * The renditions of a request as its master lists them: one per rung (the video's codecs and the
 * audio's; bandwidth = the rung's peak plus the audio rate), then the audio rendition. Playlists
 * are relative to the output prefix. Average bandwidths are provisional (the peaks) until the job's
 * COMPLETE event reports the averages it measured.
 */
export function plannedRenditions(request: Pick<EncodeRequest, 'plan' | 'folder'>): Rendition[] {
  const { plan } = request;
  const audioBps = plan.audio ? plan.audio.bitrateKbps * 1000 : 0;
  const renditions: Rendition[] = [];
  if (plan.video) {
    const { fps } = plan.video;
    for (const rung of plan.video.rungs) {
      const bps = rung.maxrateKbps * 1000 + audioBps;
      const codecs = [h264RungSettings(rung, fps).codecs, ...(plan.audio ? [AAC_LC_CODECS] : [])].join(',');
      renditions.push({
        name: rung.name,
        width: rung.width,
        height: rung.height,
        bandwidth: bps,
        averageBandwidth: bps,
        codecs,
        frameRate: Math.round(fps * 1000) / 1000,
        playlist: playlistOf(request, rung.name),
      });
    }
  }
  if (plan.audio) {
    renditions.push({
      name: AUDIO_NAME,
      width: 0,
      height: 0,
      bandwidth: audioBps,
      averageBandwidth: audioBps,
      codecs: AAC_LC_CODECS,
      frameRate: null,
      playlist: playlistOf(request, AUDIO_NAME),
    });
  }
  return renditions;
}
