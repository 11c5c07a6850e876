import { z } from 'zod';

const url = z.string().nullable();

/** A rendition of the ladder, as the video view lists it. */
export const renditionSchema = z.object({
  name: z.string().meta({ description: 'e.g. 720p' }),
  width: z.number(),
  height: z.number(),
  bandwidth: z.number().meta({ description: 'Peak bits per second.' }),
  averageBandwidth: z.number(),
  codecs: z.string(),
  frameRate: z.number().nullable(),
});

/**
 * The API's representation of a video (src/http/video-view.ts, videoViewWith). Media URLs are
 * complete and carry their authorization (a playback token, or the CDN's signature); null until
 * there is something to reach. Those who may watch but not manage the video get null for
 * `filename`, `sizeBytes` and `error`.
 */
export const videoViewSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    status: z.enum(['uploading', 'queued', 'processing', 'ready', 'failed']),
    progress: z.number().meta({ description: 'From 0 to 1.' }),
    error: z.string().nullable().meta({ description: 'Why it failed, as a sentence (failed videos; managers only).' }),
    retryable: z.boolean().meta({ description: 'True for a failed video that may be tried again (false when its file is the cause).' }),
    filename: z.string().nullable(),
    sizeBytes: z.number().nullable(),
    durationSec: z.number().nullable(),
    width: z.number().nullable(),
    height: z.number().nullable(),
    visibility: z.enum(['private', 'unlisted', 'public']),
    ownerId: z.string().nullable(),
    playable: z.boolean().meta({ description: 'True once the first rendition can be watched (the rest of the ladder may still be encoding).' }),
    encrypted: z.literal(true).optional().meta({ description: 'Present (true) only for HLS AES-128 videos.' }),
    renditions: z.array(renditionSchema),
    playback: z.object({
      hls: url.meta({ description: 'The HLS master playlist.' }),
      dash: url.meta({ description: 'The DASH manifest over the same fMP4 segments, once the ladder made one.' }),
      expiresAt: z.string().nullable().meta({ description: 'When the media URLs stop working (ISO 8601); null when they do not expire.' }),
    }),
    poster: url,
    thumbnail: url,
    captions: z.array(z.object({ language: z.string(), label: z.string(), url })).meta({ description: 'Caption tracks (WebVTT).' }),
    storyboard: z
      .object({ vtt: url, image: url })
      .nullable()
      .meta({ description: 'Scrub previews: a WebVTT map of `#xywh=` tiles of the sprite sheet `image`.' }),
    downloads: z.object({ mp4: url.meta({ description: 'A downloadable MP4, when the owner enabled downloads.' }) }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Video' });

/** A user a video is shared with. */
export const shareSchema = z.object({ id: z.string(), email: z.string() });

/**
 * The video view with the users it is shared with: a list for those who manage it, null for
 * others (GET/PATCH /api/v1/videos/:id).
 */
export const videoWithSharesSchema = videoViewSchema.extend({ shares: z.array(shareSchema).nullable() }).meta({ id: 'VideoWithShares' });
