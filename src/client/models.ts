import type { Answer, Body, Operation, Query } from './api.ts';

/**
 * The shapes the client's helpers take and give, from the generated types. Each names what a
 * route answers; the second argument is what the helpers rely on while a route declares no
 * response schema.
 */
/** A video as the API answers it; GET /api/v1/videos/{id} adds `shares` for those who manage it. */
export type Video = Omit<Answer<Operation<'/api/v1/videos/{id}', 'get'>, VideoShape>, 'shares'>;
/** The video with the users it is shared with: a list for those who manage it, null for others. */
export type VideoWithShares = Answer<Operation<'/api/v1/videos/{id}', 'get'>, VideoShape & { shares: Array<{ id: string; email: string }> | null }>;
/** A video as lists show it. */
export type VideoListItem = VideoPage['items'][number];
export type VideoPage = Answer<Operation<'/api/v1/videos', 'get'>, { items: VideoShape[]; nextCursor: string | null }>;
export type VideoListQuery = Query<Operation<'/api/v1/videos', 'get'>, { limit?: number; cursor?: string }>;
export type VideoChanges = Body<Operation<'/api/v1/videos/{id}', 'patch'>>;
export type CaptionTrack = Answer<Operation<'/api/v1/videos/{id}/captions', 'post'>, CaptionShape>;
export type CaptionList = Answer<Operation<'/api/v1/videos/{id}/captions', 'get'>, { items: CaptionShape[] }>;
export type NewCaption = { language: string; label?: string; format: 'vtt' | 'srt'; text: string };
export type CreatedUpload = Answer<Operation<'/api/v1/uploads', 'post'>, CreatedUploadShape>;

export type Visibility = 'private' | 'unlisted' | 'public';

interface VideoShape {
  id: string;
  title: string;
  status: 'uploading' | 'queued' | 'processing' | 'ready' | 'failed';
  progress: number;
  error: string | null;
  retryable: boolean;
  visibility: Visibility;
  playable: boolean;
  durationSec: number | null;
  sizeBytes: number | null;
  playback: { hls: string | null; dash: string | null; expiresAt: string | null };
  createdAt: string;
}

interface CaptionShape {
  language: string;
  label: string;
  url: string | null;
}

interface SignedRequestShape {
  method: 'PUT';
  url: string;
  headers: Record<string, string>;
  expiresAt: string;
}

interface CreatedUploadShape {
  video: VideoShape;
  upload: SignedRequestShape | { method: 'MULTIPART'; uploadId: string; partSize: number; partCount: number };
}
