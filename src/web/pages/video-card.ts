import type { Video } from '../api.ts';
import { append, h, icon, ICONS } from '../dom.ts';
import { formatDate, formatDuration, processingLabel, sentence } from '../format.ts';

const STATUS_LABEL: Record<Video['status'], string> = {
  uploading: 'Uploading',
  queued: 'Queued',
  processing: 'Processing',
  ready: 'Ready',
  failed: 'Failed',
};

const VISIBILITY_LABEL: Record<Video['visibility'], string> = { private: 'Private', unlisted: 'Unlisted', public: 'Public' };

export function statusText(video: Video): string {
  return processingLabel(video) ?? STATUS_LABEL[video.status];
}

export function statusBadge(video: Video): HTMLElement {
  return h('span', { class: `status status-${video.status}`, 'data-status': video.status }, statusText(video));
}

export function visibilityLabel(v: Video['visibility']): string {
  return VISIBILITY_LABEL[v];
}

/** One video in the library grid. Retry is offered on failed videos the user may manage, unless the file itself is the cause. */
export function videoCard(video: Video, options: { canManage: boolean; onRetry(video: Video): void }): HTMLLIElement {
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
  if (video.status === 'uploading') body.append(h('p', { class: 'card-note' }, 'Waiting for the upload to finish.'));
  return h('li', { class: 'card', 'data-video-id': video.id, 'data-status': video.status }, thumb, body);
}

/** A ready file without picture: an audio recording. */
export function isAudioOnly(video: Video): boolean {
  return video.renditions.length > 0 && video.renditions.every((r) => !r.width);
}
