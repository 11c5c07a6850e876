import type { Catalog } from '../ports/catalog.ts';
import type { Video, VideoPatch, VideoStatus } from '../model/video.ts';
import { newId } from '../ids.ts';

/**
 * The one place where a video's status changes.
 *
 *   uploading ──queue──▶ queued ──start──▶ processing ──playable──▶ playable ──finish──▶ ready
 *   processing | playable ──finish──▶ ready      processing | playable ──requeue──▶ queued
 *   uploading | queued | processing | playable ──fail──▶ failed ──retry──▶ queued
 *   any state ──delete──▶ deleted
 *
 * `playable` is a sub-state of processing: the stored status stays `processing` (the API's status
 * values do not change) and the video's `playable` flag says that its master playlist can already
 * be played. `deleted` is the absence of the record. Every event is allowed from the states listed in
 * TRANSITIONS and refused from any other; the change is a compare-and-set on the stored status (and,
 * for events of one encode attempt, on its attemptId), so of two concurrent transitions from the same
 * state exactly one applies, and the completion of an earlier attempt never applies.
 */
export type LifecycleState = 'uploading' | 'queued' | 'processing' | 'playable' | 'ready' | 'failed' | 'deleted';

export const LIFECYCLE_STATES: readonly LifecycleState[] = ['uploading', 'queued', 'processing', 'playable', 'ready', 'failed', 'deleted'];

export type LifecycleEvent =
  /** The upload's bytes are stored and pass the first checks: a job is (or is about to be) queued. */
  | 'queue'
  /** An encode attempt begins: a new attemptId; a crashed or interrupted attempt is taken over. */
  | 'start'
  /** The encode backend accepted the attempt's job: its reference is stored (patch.encodeJobRef). */
  | 'submitted'
  /** Progress of the current attempt (patch.progress); the state does not change. */
  | 'progress'
  /** The first renditions and the master playlist are published (patch.masterKey, patch.renditions). */
  | 'playable'
  /** Every rendition is published. */
  | 'finish'
  /** The attempt stopped (interrupted, or failed in a way another attempt may not): back to the queue. */
  | 'requeue'
  /** The video will not be encoded: the reason in patch.error, patch.retryable false when the file is the cause. */
  | 'fail'
  /** A person asks for a failed video to be encoded again. */
  | 'retry'
  /** The record goes (its source and outputs are removed by the caller). */
  | 'delete';

export const LIFECYCLE_EVENTS: readonly LifecycleEvent[] = ['queue', 'start', 'submitted', 'progress', 'playable', 'finish', 'requeue', 'fail', 'retry', 'delete'];

const ENCODING = ['processing', 'playable'] as const;

/** For each event: the states it is allowed from, and the state it leads to ('same': the state does not change). */
export const TRANSITIONS: Readonly<Record<LifecycleEvent, { from: readonly LifecycleState[]; to: LifecycleState | 'same' }>> = {
  queue: { from: ['uploading', 'queued'], to: 'queued' },
  start: { from: ['queued', ...ENCODING], to: 'processing' },
  submitted: { from: ENCODING, to: 'same' },
  progress: { from: ENCODING, to: 'same' },
  playable: { from: ENCODING, to: 'playable' },
  finish: { from: ENCODING, to: 'ready' },
  requeue: { from: ENCODING, to: 'queued' },
  fail: { from: ['uploading', 'queued', ...ENCODING], to: 'failed' },
  retry: { from: ['failed'], to: 'queued' },
  delete: { from: ['uploading', 'queued', ...ENCODING, 'ready', 'failed'], to: 'deleted' },
};

/** The state a stored video is in (null: deleted). */
export function stateOf(video: Pick<Video, 'status' | 'playable'> | null): LifecycleState {
  if (!video) return 'deleted';
  return video.status === 'processing' && video.playable ? 'playable' : video.status;
}

/** The state `event` leads to from `state`, or null when the event is not allowed there. */
export function nextState(state: LifecycleState, event: LifecycleEvent): LifecycleState | null {
  const t = TRANSITIONS[event];
  if (!t.from.includes(state)) return null;
  return t.to === 'same' ? state : t.to;
}

/** The status stored for a state (deleted has none). */
function statusOf(state: Exclude<LifecycleState, 'deleted'>): VideoStatus {
  return state === 'playable' ? 'processing' : state;
}

/** Fields set by the lifecycle itself; a caller's patch cannot change them. */
type LifecycleFields = 'status' | 'playable' | 'attemptId';
export type TransitionPatch = Omit<VideoPatch, LifecycleFields>;
export type UpdateEvent = Exclude<LifecycleEvent, 'delete'>;

/** What each event writes besides the caller's patch (these win over it). */
function impliedFields(event: UpdateEvent): VideoPatch {
  switch (event) {
    case 'queue':
      return { status: 'queued', progress: 0, error: null };
    case 'start':
      return { status: 'processing', attemptId: newId(), encodeJobRef: null, progress: 0, error: null, playable: false, masterKey: null };
    case 'submitted':
    case 'progress':
      return {};
    case 'playable':
      return { playable: true };
    case 'finish':
      return { status: 'ready', progress: 1, error: null, playable: true };
    case 'requeue':
      return { status: 'queued', progress: 0, error: null, playable: false, masterKey: null };
    case 'fail':
      return { status: 'failed', progress: 0, playable: false, masterKey: null };
    case 'retry':
      return { status: 'queued', progress: 0, error: null };
  }
}

export interface TransitionOptions {
  /**
   * The encode attempt the caller acts for: the transition applies only while it is still the
   * video's current attempt. Given by everything an attempt reports (submitted, progress, playable,
   * finish, requeue, fail), so that a late or duplicate report of an earlier attempt changes nothing.
   * For `start`, the attempt it replaces (null: the video has had none): of two workers starting the
   * same video at once, one does.
   */
  attemptId?: string | null;
  /**
   * Narrows the states the event is allowed from to these (of those the table allows), e.g. `fail`
   * only before any attempt started. `processing` stands for its sub-state `playable` too.
   */
  onlyFrom?: ReadonlyArray<Exclude<LifecycleState, 'playable' | 'deleted'>>;
}

/**
 * - applied: the video as stored after the transition.
 * - refused: the event is not allowed from the video's current state (which is in `state`).
 * - stale: the caller's attempt is no longer the video's current one (whatever its state).
 * - gone: there is no such video (deleted).
 */
export type TransitionResult =
  | { applied: true; video: Video }
  | { applied: false; reason: 'refused' | 'stale'; state: LifecycleState; video: Video }
  | { applied: false; reason: 'gone'; state: 'deleted'; video: null };

/**
 * Applies `event` to the video, with the caller's `patch`, if the event is allowed from its current
 * state (and `options.attemptId` is its current attempt): one atomic compare-and-set in the catalog.
 * A refused transition changes nothing.
 */
export async function transition(
  catalog: Catalog,
  videoId: string,
  event: UpdateEvent,
  patch: TransitionPatch = {},
  options: TransitionOptions = {},
): Promise<TransitionResult> {
  const { from } = TRANSITIONS[event];
  const allowed = from.filter((s) => s !== 'deleted' && (!options.onlyFrom || options.onlyFrom.includes(statusOf(s as Exclude<LifecycleState, 'deleted'>))));
  const statuses = [...new Set(allowed.map((s) => statusOf(s as Exclude<LifecycleState, 'deleted'>)))];
  const { status: _s, playable: _p, attemptId: _a, ...own } = patch as VideoPatch;
  const updated = await catalog.updateVideo(
    videoId,
    { ...own, ...impliedFields(event) },
    { expectStatus: statuses, ...(options.attemptId !== undefined ? { expectAttemptId: options.attemptId } : {}) },
  );
  if (updated) return { applied: true, video: updated };
  const current = await catalog.getVideo(videoId);
  if (!current) return { applied: false, reason: 'gone', state: 'deleted', video: null };
  const state = stateOf(current);
  const reason = options.attemptId !== undefined && (current.attemptId ?? null) !== options.attemptId ? 'stale' : 'refused';
  return { applied: false, reason, state, video: current };
}

/**
 * The event `delete`: removes the record, from any state, or only from one of `onlyFrom` (checked in
 * the same atomic step). True when this call removed it (false: it was already gone, or is in another
 * state). Removing the source and the outputs is the caller's part.
 */
export async function deleteRecord(catalog: Catalog, videoId: string, onlyFrom?: ReadonlyArray<'uploading' | 'queued' | 'ready' | 'failed'>): Promise<boolean> {
  return onlyFrom ? catalog.deleteVideo(videoId, { expectStatus: [...onlyFrom] }) : catalog.deleteVideo(videoId);
}

/** A new video, before its bytes arrive: the fields the lifecycle sets are left out. */
export type NewVideo = Omit<Video, LifecycleFields | 'progress' | 'error' | 'encodeJobRef' | 'retryable'>;

/** The start of every video's lifecycle: stored in state `uploading`. */
export async function createUploading(catalog: Catalog, video: NewVideo): Promise<Video> {
  return catalog.createVideo({ ...video, status: 'uploading', progress: 0, error: null, playable: false });
}
