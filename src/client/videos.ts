import { must, type VodkitApi } from './api.ts';
import { VideoFailedError } from './errors.ts';
import type { CaptionList, CaptionTrack, NewCaption, Video, VideoChanges, VideoListQuery, VideoPage, VideoWithShares } from './models.ts';

/** Where and how a video is watched. */
export interface Playback {
  /** The watch page of the web app. */
  watchUrl: string;
  /** The HLS master playlist (authorized; null until playable). */
  hls: string | null;
  /** The DASH manifest, once the ladder made one. */
  dash: string | null;
  /** When `hls` and `dash` stop working; null when they do not expire. */
  expiresAt: string | null;
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** Each state seen while waiting (status, progress from 0 to 1). */
  onProgress?: (video: VideoWithShares) => void;
  /** Between two looks (default 1000 ms). */
  intervalMs?: number;
}

/** The video helpers: list, get, change, delete, captions, playback and waiting for playback. */
export function videoHelpers(api: VodkitApi, baseUrl: string) {
  const watchUrl = (id: string) => `${baseUrl}/watch/${encodeURIComponent(id)}`;
  const get = async (id: string, signal?: AbortSignal): Promise<VideoWithShares> => {
    const { data } = await api.GET('/api/v1/videos/{id}', { params: { path: { id } }, signal });
    return must<VideoWithShares>(data);
  };
  const playbackOf = (video: Video): Playback => ({
    watchUrl: watchUrl(video.id),
    hls: video.playback.hls,
    dash: video.playback.dash,
    expiresAt: video.playback.expiresAt,
  });

  return {
    videos: {
      /** One page of the videos the caller may list (`nextCursor` for the next). */
      async list(query: VideoListQuery = {}, signal?: AbortSignal): Promise<VideoPage> {
        const { data } = await api.GET('/api/v1/videos', { params: { query }, signal });
        return must<VideoPage>(data);
      },
      get,
      /** Changes title, visibility, poster time, downloads or shares. */
      async update(id: string, changes: VideoChanges): Promise<VideoWithShares> {
        const { data } = await api.PATCH('/api/v1/videos/{id}', { params: { path: { id } }, body: changes });
        return must<VideoWithShares>(data);
      },
      async delete(id: string): Promise<void> {
        await api.DELETE('/api/v1/videos/{id}', { params: { path: { id } } });
      },
    },
    captions: {
      async list(id: string): Promise<CaptionList['items']> {
        const { data } = await api.GET('/api/v1/videos/{id}/captions', { params: { path: { id } } });
        return must<CaptionList>(data).items;
      },
      /** Adds (or replaces) the track of a language; SRT is converted to WebVTT. */
      async add(id: string, caption: NewCaption): Promise<CaptionTrack> {
        const { data } = await api.POST('/api/v1/videos/{id}/captions', { params: { path: { id } }, body: caption });
        return must<CaptionTrack>(data);
      },
      async delete(id: string, language: string): Promise<void> {
        await api.DELETE('/api/v1/videos/{id}/captions/{language}', { params: { path: { id, language } } });
      },
    },
    watchUrl,
    /** The video's watch page and media URLs as they are now. */
    async playback(id: string): Promise<Playback> {
      return playbackOf(await get(id));
    },
    /**
     * Waits until the video can be watched (its first rendition is out; the rest of the ladder may
     * still be encoding) and returns where. Throws VideoFailedError when its processing fails.
     */
    async waitUntilPlayable(id: string, options: WaitOptions = {}): Promise<Playback & { video: VideoWithShares }> {
      for (;;) {
        const video = await get(id, options.signal);
        options.onProgress?.(video);
        if (video.playable) return { ...playbackOf(video), video };
        if (video.status === 'failed') throw new VideoFailedError(video.id, video.error ?? 'the video could not be processed', video.retryable);
        await delay(options.intervalMs ?? 1000, options.signal);
      }
    },
  };
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
