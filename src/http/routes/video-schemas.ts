import { z } from 'zod';
import { MAX_BULK_IDS } from '../../core/videos/bulk-actions.ts';
import { pageSchema } from '../schemas/page-schema.ts';
import { errorResponses, json, noContent } from '../schemas/responses.ts';
import { videoViewSchema, videoWithSharesSchema } from '../schemas/video-view-schema.ts';

/** The schemas of the video routes (routes/videos.ts): what they take and what they answer. */

const tags = ['videos'];
const VISIBILITIES = ['private', 'unlisted', 'public'] as const;
const visibility = z.enum(VISIBILITIES);
const LIBRARY_STATUSES = ['waiting', 'uploading', 'queued', 'processing', 'ready', 'failed'] as const;

/** A query parameter listing values: repeated (`status=ready&status=failed`) or comma-separated (`status=ready,failed`). */
function listParam<T extends readonly [string, ...string[]]>(values: T, description: string) {
  return z
    .preprocess((v) => (typeof v === 'string' ? v.split(',').filter(Boolean) : Array.isArray(v) ? v.flatMap((s) => String(s).split(',')).filter(Boolean) : v), z.array(z.enum(values)).max(10))
    .optional()
    .meta({ description });
}

const listQuery = z
  .object({
    q: z.string().max(200).optional().meta({ description: 'Search the titles: every word must begin a word of the title, case and accents aside ("ete par" finds "Été à Paris").' }),
    status: listParam(
      LIBRARY_STATUSES,
      'Only these statuses (repeated or comma-separated). `waiting` (waiting for upload) is the videos whose file has not arrived, stored as `uploading`, such as an upload an API client created and never sent.',
    ),
    visibility: listParam(VISIBILITIES, 'Only these visibilities (repeated or comma-separated), among the videos the caller may list.'),
    sort: z.enum(['created', 'title', 'duration']).optional().meta({ description: 'created (default), title, or duration (unknown durations last in both orders); ties by id.' }),
    order: z.enum(['asc', 'desc']).optional().meta({ description: 'Default desc (newest first) for created, asc for title and duration.' }),
    limit: z.coerce.number().int().min(1).max(100).optional().meta({ description: '1 to 100 (default 20).' }),
    cursor: z.string().max(4096).optional().meta({ description: 'The nextCursor of the previous page of the same query.' }),
  })
  .strict();

const videoParams = z.object({ id: z.string() });

export const patchBody = z
  .object({
    title: z.string().min(1).max(200).optional(),
    visibility: visibility.optional(),
    /** Seconds: the poster becomes the frame at that time (core/videos/video-frames.ts). */
    posterTime: z.number().finite().optional().meta({ description: 'Seconds: the poster becomes the frame at that time.' }),
    /** Whether the ladder makes a downloadable MP4 (the next encode; false withdraws the current one). */
    downloads: z.boolean().optional().meta({ description: 'Whether the ladder makes a downloadable MP4 (the next encode; false withdraws the current one).' }),
    /** The e-mails of the users the video is shared with (the whole list; [] for nobody). */
    shares: z.array(z.string().max(320)).max(100).optional().meta({ description: 'The e-mails of the users the video is shared with (the whole list; [] for nobody).' }),
  })
  .strict();

const ids = z.array(z.string().min(1).max(200)).min(1).max(MAX_BULK_IDS).meta({ description: `1 to ${MAX_BULK_IDS} video ids.` });

const bulkResults = z
  .object({
    results: z.array(
      z.object({
        id: z.string(),
        result: z.enum(['ok', 'not_found', 'forbidden']).meta({ description: 'ok: done; not_found: no such video, or not visible to the caller; forbidden: only its owner or an admin may change it.' }),
      }),
    ),
  })
  .meta({ id: 'BulkResults', description: 'What became of each video, in the order given (an id given twice is listed once).' });

export const listSchema = {
  tags,
  summary: 'List videos',
  description: 'The videos the caller may list (its own, public ones and those shared with it; admins: all), filtered, searched and sorted, a page at a time.',
  querystring: listQuery,
  response: { 200: json('A page of videos.', pageSchema(videoViewSchema)), ...errorResponses(400, 401) },
};

export const getSchema = {
  tags,
  summary: 'Get a video',
  description: 'Signed out: public and unlisted videos. `shares` is listed for those who manage the video, null for others.',
  security: [{}, { bearer: [] }] as Array<Record<string, string[]>>,
  params: videoParams,
  response: { 200: json('The video.', videoWithSharesSchema), ...errorResponses(401, 404) },
};

export const patchSchema = {
  tags,
  summary: 'Change a video',
  description: 'Its title, visibility, poster time, downloads or shares; by its owner or an admin.',
  params: videoParams,
  body: patchBody,
  response: { 200: json('The video.', videoWithSharesSchema), ...errorResponses(400, 401, 403, 404, 409) },
};

export const deleteSchema = {
  tags,
  summary: 'Delete a video',
  description: 'Its record, its source and every output; by its owner or an admin. A video waiting for its upload can be deleted too: an upload that arrives later is removed.',
  params: videoParams,
  response: { 204: noContent('Deleted.'), ...errorResponses(401, 403, 404) },
};

export const retrySchema = {
  tags,
  summary: 'Process a failed video again',
  params: videoParams,
  response: { 202: json('The video, queued.', videoViewSchema), ...errorResponses(401, 403, 404, 409) },
};

export const bulkDeleteSchema = {
  tags,
  summary: 'Delete several videos',
  description: 'Each video is deleted as by DELETE /api/v1/videos/{id}, and authorized the same way.',
  body: z.object({ ids }).strict(),
  response: { 200: json('What became of each video.', bulkResults), ...errorResponses(400, 401) },
};

export const bulkUpdateSchema = {
  tags,
  summary: 'Change the visibility of several videos',
  description: 'Each video is changed as by PATCH /api/v1/videos/{id}, and authorized the same way.',
  body: z.object({ ids, visibility }).strict(),
  response: { 200: json('What became of each video.', bulkResults), ...errorResponses(400, 401) },
};
