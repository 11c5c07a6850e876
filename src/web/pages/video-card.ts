import type { Video } from '../api.ts';
import { append, h, icon, ICONS } from '../dom.ts';
import { formatAge, formatDate, formatDuration, processingLabel, sentence } from '../format.ts';

const STATUS_LABEL: Record<Video['status'], string> = {
  uploading: 'Waiting for upload',
  queued: 'Queued',
  processing: 'Processing',
  ready: 'Ready',
  failed: 'Failed',
};

const VISIBILITY_LABEL: Record<Video['visibility'], string> = { private: 'Private', unlisted: 'Unlisted', public: 'Public' };

/** "Ready", "Playable · improving quality 40%", "Waiting for upload · 3 h" (how long since the video was created). */
export function statusText(video: Video): string {
  if (video.status === 'uploading') return `${STATUS_LABEL.uploading} · ${formatAge(video.createdAt)}`;
  return processingLabel(video) ?? STATUS_LABEL[video.status];
}

export function statusBadge(video: Video): HTMLElement {
  return h('span', { class: `status status-${video.status}`, 'data-status': video.status }, statusText(video));
}

export function visibilityLabel(v: Video['visibility']): string {
  return VISIBILITY_LABEL[v];
}

export interface CardOptions {
  canManage: boolean;
  onRetry(video: Video): void;
  /** Deletes a video waiting for its upload (after asking). */
  onDelete(video: Video): void;
  /** Set for a video the user may select for a bulk action. */
  selection?: { selected: boolean; onToggle(video: Video, selected: boolean): void };
}

/**
 * One video in the library grid. Retry is offered on failed videos the user may manage, unless
 * the file itself is the cause; a video whose upload never arrived says how long it has waited
 * and can be deleted.
 */
export function videoCard(video: Video, options: CardOptions): HTMLLIElement {
  const href = `/watch/${encodeURIComponent(video.id)}`;
  const busy = video.status === 'processing' || video.status === 'queued';
  const thumb = h(
    'a',
    { class: 'thumb', href, 'data-link': true, tabindex: '-1', 'aria-hidden': 'true' },
    video.thumbnail
      ? h('img', { src: video.thumbnail, alt: '', loading: 'lazy', decoding: 'async', width: 320, height: 180 })
      : h('span', { class: 'thumb-placeholder' }, icon(video.status === 'failed' ? ICONS.alert : isAudioOnly(video) ? ICONS.music : ICONS.film, 'icon thumb-icon')),
    video.durationSec ? h('span', { class: 'duration' }, formatDuration(video.durationSec)) : null,
    video.status === 'ready' ? h('span', { class: 'thumb-play' }, icon(ICONS.play, 'icon')) : null,
    busy
      ? h(
          'span',
          { class: 'thumb-progress', role: 'progressbar', 'aria-label': video.playable ? 'Quality improvement progress' : 'Processing progress', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.floor(video.progress * 100) },
          h('span', { class: 'thumb-progress-fill', style: `width:${Math.max(2, video.progress * 100).toFixed(1)}%` }),
        )
      : null,
  );
  const body = h(
    'div',
    { class: 'card-body' },
    h('h3', { class: 'card-title' }, h('a', { href, 'data-link': true, title: video.title }, video.title)),
    h(
      'div',
      { class: 'card-meta' },
      // Processing state is the owner's business: others only ever see ready videos here.
      options.canManage ? statusBadge(video) : null,
      h('span', { class: 'card-sub' }, `${visibilityLabel(video.visibility)} · ${formatDate(video.createdAt)}`),
    ),
  );
  if (video.status === 'failed') {
    append(
      body,
      h('p', { class: 'card-error' }, sentence(video.error ?? 'Processing failed.')),
      options.canManage && video.retryable
        ? h(
            'button',
            { class: 'btn btn-small btn-secondary', type: 'button', 'aria-label': `Retry processing ${video.title}`, onclick: () => options.onRetry(video) },
            icon(ICONS.retry),
            'Retry',
          )
        : null,
    );
  }
  if (video.status === 'uploading') {
    append(
      body,
      h('p', { class: 'card-note', title: `Created ${new Date(video.createdAt).toLocaleString()}` }, `Its file has not arrived (created ${formatAge(video.createdAt).replace(/^(\d.*)$/, '$1 ago')}).`),
      options.canManage
        ? h(
            'button',
            { class: 'btn btn-small btn-danger-ghost', type: 'button', 'aria-label': `Delete ${video.title}`, onclick: () => options.onDelete(video) },
            icon(ICONS.trash),
            'Delete',
          )
        : null,
    );
  }
  const select = options.selection;
  const checkbox = select
    ? h('input', { type: 'checkbox', class: 'card-check', checked: select.selected, 'aria-label': `Select ${video.title}`, onchange: (e: Event) => select.onToggle(video, (e.target as HTMLInputElement).checked) })
    : null;
  return h('li', { class: `card${select?.selected ? ' card-selected' : ''}`, 'data-video-id': video.id, 'data-status': video.status }, checkbox, thumb, body);
}

/** A ready file without picture: an audio recording. */
export function isAudioOnly(video: Video): boolean {
  return video.renditions.length > 0 && video.renditions.every((r) => !r.width);
}
