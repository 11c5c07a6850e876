/** The vodkit JSON API, as the web app uses it (same origin, session cookie). */

import type { components } from '../client/api-types.ts';

export type VideoStatus = 'uploading' | 'queued' | 'processing' | 'ready' | 'failed';
export type Visibility = 'private' | 'unlisted' | 'public';

export interface Rendition {
  name: string;
  width: number;
  height: number;
  bandwidth: number;
  averageBandwidth: number;
  codecs: string;
  frameRate: number | null;
}

export interface Video {
  id: string;
  title: string;
  status: VideoStatus;
  progress: number;
  error: string | null;
  /** A failed video that may be tried again (false when its file is the cause). */
  retryable: boolean;
  /** Null for people who may watch the video but not manage it. */
  filename: string | null;
  sizeBytes: number | null;
  durationSec: number | null;
  width: number | null;
  height: number | null;
  visibility: Visibility;
  ownerId: string | null;
  playable: boolean;
  renditions: Rendition[];
  playback: { hls: string | null; dash: string | null; expiresAt: string | null };
  poster: string | null;
  captions: Array<{ language: string; label: string; url: string }>;
  storyboard: { vtt: string; image: string } | null;
  downloads: { mp4: string | null };
  thumbnail: string | null;
  createdAt: string;
  updatedAt: string;
  /** The users a private video is shared with: only for those who manage it (GET and PATCH; not in events). */
  shares?: ShareUser[] | null;
}

/** Someone a video is shared with. */
export interface ShareUser {
  id: string;
  email: string;
}

export type Role = 'admin' | 'uploader' | 'viewer';

export interface User {
  id: string | null;
  email: string | null;
  role: Role;
}

export interface SignedPut {
  method: 'PUT';
  url: string;
  headers: Record<string, string>;
  expiresAt: string;
}

export type CreatedUpload =
  | { video: Video; upload: SignedPut }
  | { video: Video; upload: { method: 'MULTIPART'; uploadId: string; partSize: number; partCount: number } };

export interface StoredPart {
  partNumber: number;
  etag: string;
  size: number;
}

/** An account as admins see it (GET /api/v1/users), as the route's schema describes it. */
export type AccountUser = components['schemas']['User'];

/** An API token, without its secret (GET /api/v1/tokens), as the route's schema describes it. */
export type AccountToken = components['schemas']['ApiToken'];

/** An error the API answered with; `message` is meant for people. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'NetworkError', 'The server cannot be reached. Check your connection.');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: reported below
  }
  if (!response.ok) {
    const err = (json as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(response.status, err?.code ?? 'HttpError', err?.message ?? `The server answered ${response.status}.`);
  }
  return json as T;
}

const enc = encodeURIComponent;

/** The filters and order of a library page (GET /api/v1/videos); empty values are left out. */
export interface LibraryQuery {
  q?: string;
  status?: string;
  visibility?: string;
  sort?: 'created' | 'title' | 'duration';
  order?: 'asc' | 'desc';
}

/** What became of each video of a bulk action. */
export interface BulkResult {
  id: string;
  result: 'ok' | 'not_found' | 'forbidden';
}

function listPath(cursor: string | null, limit: number, query: LibraryQuery): string {
  const params = new URLSearchParams({ limit: String(limit) });
  for (const [name, value] of Object.entries(query)) if (value) params.set(name, value);
  if (cursor) params.set('cursor', cursor);
  return `/api/v1/videos?${params}`;
}

export const api = {
  me: () => request<{ user: User | null; needsSetup: boolean }>('GET', '/api/v1/me'),
  setup: (email: string, password: string) => request<{ user: User }>('POST', '/api/v1/setup', { email, password }),
  signIn: (email: string, password: string) => request<{ user: User }>('POST', '/api/v1/session', { email, password }),
  signOut: () => request<void>('DELETE', '/api/v1/session'),

  listVideos: (cursor: string | null, limit = 48, query: LibraryQuery = {}) =>
    request<{ items: Video[]; nextCursor: string | null }>('GET', listPath(cursor, limit, query)),
  bulkDelete: (ids: string[]) => request<{ results: BulkResult[] }>('POST', '/api/v1/videos/bulk-delete', { ids }),
  bulkUpdate: (ids: string[], visibility: Visibility) => request<{ results: BulkResult[] }>('POST', '/api/v1/videos/bulk-update', { ids, visibility }),
  getVideo: (id: string) => request<Video>('GET', `/api/v1/videos/${enc(id)}`),
  updateVideo: (id: string, patch: { title?: string; visibility?: Visibility; shares?: string[] }) => request<Video>('PATCH', `/api/v1/videos/${enc(id)}`, patch),
  deleteVideo: (id: string) => request<void>('DELETE', `/api/v1/videos/${enc(id)}`),
  retryVideo: (id: string) => request<Video>('POST', `/api/v1/videos/${enc(id)}/retry`),

  createUpload: (body: { filename: string; size: number; contentType: string; multipart?: boolean; title?: string }) =>
    request<CreatedUpload>('POST', '/api/v1/uploads', body),
  signParts: (videoId: string, uploadId: string, partNumbers: number[]) =>
    request<{ parts: Array<SignedPut & { partNumber: number }> }>('POST', `/api/v1/uploads/${enc(videoId)}/parts`, { uploadId, partNumbers }),
  listParts: (videoId: string, uploadId: string) =>
    request<{ parts: StoredPart[] }>('GET', `/api/v1/uploads/${enc(videoId)}/parts?uploadId=${enc(uploadId)}`),
  completeUpload: (videoId: string, body: { uploadId?: string; parts?: Array<{ partNumber: number; etag: string }> }) =>
    request<{ video: Video }>('POST', `/api/v1/uploads/${enc(videoId)}/complete`, body),
  listUsers: () => request<{ items: AccountUser[] }>('GET', '/api/v1/users'),
  createUser: (body: { email: string; role: Role; password?: string }) =>
    request<AccountUser & { temporaryPassword?: string }>('POST', '/api/v1/users', body),
  updateUser: (id: string, patch: { role?: Role; disabled?: boolean; resetPassword?: true }) =>
    request<AccountUser & { temporaryPassword?: string }>('PATCH', `/api/v1/users/${enc(id)}`, patch),
  deleteUser: (id: string) => request<void>('DELETE', `/api/v1/users/${enc(id)}`),
  listTokens: () => request<{ items: AccountToken[] }>('GET', '/api/v1/tokens'),
  createToken: (name: string) => request<{ token: AccountToken; secret: string }>('POST', '/api/v1/tokens', { name }),
  revokeToken: (id: string) => request<void>('DELETE', `/api/v1/tokens/${enc(id)}`),

  abortUpload: (videoId: string, uploadId?: string) =>
    request<void>('DELETE', `/api/v1/uploads/${enc(videoId)}${uploadId ? `?uploadId=${enc(uploadId)}` : ''}`),
};
