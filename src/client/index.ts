import { createApi, type ApiOptions, type VodkitApi } from './api.ts';
import { uploadVideo, type UploadOptions, type UploadSource } from './upload.ts';
import { videoHelpers } from './videos.ts';
import type { Video } from './models.ts';

export { VodkitApiError, VodkitConnectionError, VideoFailedError } from './errors.ts';
export type { VodkitApi } from './api.ts';
export type { paths, components } from './api-types.ts';
export type { CaptionTrack, NewCaption, Video, VideoChanges, VideoListItem, VideoListQuery, VideoPage, VideoWithShares, Visibility } from './models.ts';
export type { UploadOptions, UploadProgress, UploadSource } from './upload.ts';
export type { Playback, WaitOptions } from './videos.ts';

export interface VodkitClientOptions extends ApiOptions {
  /** Where unfinished multipart uploads are remembered so they resume (default: nowhere). */
  stateDir?: string;
}

/**
 * The vodkit API client: the typed openapi-fetch client (`client.GET('/api/v1/users')`...), which
 * throws VodkitApiError for an error answer, plus helpers for the flows of several requests:
 * `upload`, `waitUntilPlayable`, `videos`, `captions`, `playback`.
 */
export function createVodkitClient(options: VodkitClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  const api: VodkitApi = createApi({ ...options, baseUrl, fetch: doFetch });
  return Object.assign(api, {
    baseUrl,
    ...videoHelpers(api, baseUrl),
    /** Uploads a file (or a stream of known size) and returns its video, uploaded and completed. */
    upload(source: UploadSource, uploadOptions: UploadOptions = {}): Promise<Video> {
      return uploadVideo({ api, baseUrl, fetch: doFetch, stateDir: options.stateDir }, source, uploadOptions);
    },
  });
}

export type VodkitClient = ReturnType<typeof createVodkitClient>;
