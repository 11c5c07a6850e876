import { api, ApiError, type Video, type Visibility } from '../api.ts';
import type { App, Cleanup } from '../app.ts';
import { h, icon, ICONS, replaceChildren } from '../dom.ts';
import { formatBitrate, formatBytes, formatDate, formatDuration, renditionLabel, sentence } from '../format.ts';
import { KEY_HELP } from '../player/keyboard.ts';
import { mountPlayer as mountMediaPlayer, type MountedPlayer } from '../player/media-player.ts';
import { copyText } from './clipboard.ts';
import { embedSnippet } from './embed-snippet.ts';
import { confirmDialog } from './confirm-dialog.ts';
import { editableTitle } from './editable-title.ts';
import { shareControl } from './share-control.ts';
import { isAudioOnly, statusBadge } from './video-card.ts';

const VISIBILITY_HELP: Record<Visibility, string> = {
  private: 'Private: only you, administrators and the people you share it with',
  unlisted: 'Unlisted: anyone with the link, signed in or not; not listed',
  public: 'Public: anyone with the link',
};

const POLL_MS = 3000;

/**
 * /watch/<id>: the player (quality, captions, speed and the rest in its controls; keys from
 * anywhere on the page), sharing (the link, an <iframe> snippet for public videos, and who may
 * watch it: share-control.ts) and the video's settings. Processing state, file size and other
 * owner's details only for those who manage the video.
 */
export function watchPage(root: HTMLElement, app: App, id: string): Cleanup {
  let video: Video | null = null;
  let player: MountedPlayer | null = null;
  let gone = false;

  const stage = h('div', { class: 'stage' });
  const toolbar = h('div', { class: 'player-bar' });
  const info = h('div', { class: 'watch-info' });
  const live = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  replaceChildren(
    root,
    h(
      'div',
      { class: 'page watch' },
      app.user ? h('a', { class: 'back-link', href: '/', 'data-link': true }, icon(ICONS.back), 'Library') : null,
      stage,
      toolbar,
      info,
      live,
    ),
  );
  stage.append(h('div', { class: 'stage-placeholder' }, h('span', { class: 'spinner', 'aria-label': 'Loading' })));

  const mountPlayer = (v: Video) => {
    if (player || !v.playback.hls) return;
    player = mountMediaPlayer(v, { announce: (text) => (live.textContent = text) });
    stage.classList.remove('stage-waiting');
    stage.classList.toggle('stage-audio', isAudioOnly(v));
    replaceChildren(stage, player.element);
    const copy = h('button', { class: 'btn btn-small btn-ghost', type: 'button' }, icon(ICONS.link), 'Copy link');
    copy.addEventListener('click', async () => {
      const url = `${location.origin}/watch/${encodeURIComponent(v.id)}`;
      const ok = await copyText(url);
      app.toast(ok ? 'Link copied. Anyone allowed to see this video can open it.' : `Copy this link: ${url}`);
      copy.dataset.copied = ok ? 'true' : 'false';
    });
    replaceChildren(
      toolbar,
      copy,
      v.visibility !== 'private' ? embedSnippet(v, app) : null,
      h('p', { class: 'keys', 'aria-label': 'Keyboard shortcuts' }, ...KEY_HELP.flatMap(([k, what]) => [h('kbd', {}, k), ` ${what} `])),
    );
  };

  const drawStage = (v: Video) => {
    if (v.playable) return mountPlayer(v);
    // The message (and the Retry button) decides the height, not the picture's aspect ratio.
    stage.classList.add('stage-waiting');
    const progress = Math.floor(v.progress * 100);
    const text =
      v.status === 'failed'
        ? sentence(v.error ?? 'Processing failed.')
        : v.status === 'uploading'
          ? 'The upload of this video has not finished.'
          : v.status === 'queued'
            ? 'Waiting to be processed…'
            : `Preparing the video for streaming… ${progress}%`;
    replaceChildren(
      stage,
      h(
        'div',
        { class: `stage-placeholder${v.status === 'failed' ? ' stage-failed' : ''}`, style: v.poster ? `background-image:url("${v.poster}")` : undefined },
        h(
          'div',
          { class: 'stage-message' },
          icon(v.status === 'failed' ? ICONS.alert : ICONS.film, 'icon stage-icon'),
          h('p', {}, text),
          v.status === 'processing'
            ? h('div', { class: 'progress', role: 'progressbar', 'aria-label': 'Processing progress', 'aria-valuenow': progress, 'aria-valuemin': 0, 'aria-valuemax': 100 }, h('div', { class: 'progress-fill', style: `width:${progress}%` }))
            : null,
          v.status === 'failed' && v.retryable && app.canManage(v)
            ? h('button', { class: 'btn btn-primary', type: 'button', onclick: () => void retry(v) }, icon(ICONS.retry), 'Retry processing')
            : null,
        ),
      ),
    );
  };

  const retry = async (v: Video) => {
    try {
      show(await api.retryVideo(v.id));
      app.toast('Processing again.');
    } catch (err) {
      app.toast(err instanceof Error ? err.message : String(err), 'error');
    }
  };

  const saved = (updated: Video) => {
    video = { ...updated, playback: video?.playback ?? updated.playback };
    drawInfo(video);
  };
  const save = async (patch: { title?: string; visibility?: Visibility }): Promise<void> => saved(await api.updateVideo(id, patch));
  // Made once, so that an e-mail being typed and an error shown survive the info's redraws.
  const share = app.user ? shareControl(app, id, saved) : null;

  const drawInfo = (v: Video) => {
    document.title = `${v.title} · vodkit`;
    const manage = app.canManage(v);
    const facts = [
      v.durationSec ? formatDuration(v.durationSec) : null,
      v.width && v.height ? `${v.width}×${v.height}` : null,
      manage && v.sizeBytes ? formatBytes(v.sizeBytes) : null,
      `uploaded ${formatDate(v.createdAt)}`,
    ].filter(Boolean);
    const head = h(
      'div',
      { class: 'watch-head' },
      editableTitle(v.title, manage, async (title) => {
        await save({ title });
        app.toast('Title saved.');
      }),
      manage ? statusBadge(v) : null,
    );
    const children: HTMLElement[] = [head, h('p', { class: 'facts' }, facts.join(' · '))];
    if (manage) {
      const visibility = h(
        'select',
        { id: 'visibility', class: 'select', 'aria-describedby': 'visibility-help' },
        ...(['private', 'unlisted', 'public'] as const).map((value) => h('option', { value, selected: value === v.visibility }, VISIBILITY_HELP[value].split(':')[0])),
      );
      const help = h('p', { class: 'hint', id: 'visibility-help' }, VISIBILITY_HELP[v.visibility]);
      visibility.addEventListener('change', async () => {
        const value = visibility.value as Visibility;
        visibility.disabled = true;
        try {
          await save({ visibility: value });
          app.toast(`Visibility: ${VISIBILITY_HELP[value]}.`);
        } catch (err) {
          visibility.value = v.visibility;
          app.toast(err instanceof Error ? err.message : String(err), 'error');
        } finally {
          visibility.disabled = false;
        }
      });
      const remove = h('button', { class: 'btn btn-danger-ghost', type: 'button' }, icon(ICONS.trash), 'Delete');
      remove.addEventListener('click', async () => {
        const yes = await confirmDialog({
          title: `Delete “${v.title}”?`,
          body: 'The video, its renditions and its source file are removed for good. People with the link will no longer be able to watch it.',
          confirm: 'Delete video',
          danger: true,
        });
        if (!yes) return;
        try {
          await api.deleteVideo(v.id);
          gone = true;
          app.toast(`“${v.title}” was deleted.`);
          app.navigate('/');
        } catch (err) {
          app.toast(err instanceof Error ? err.message : String(err), 'error');
        }
      });
      children.push(
        h(
          'div',
          { class: 'manage' },
          h('div', { class: 'field field-inline' }, h('label', { for: 'visibility' }, 'Visibility'), visibility, help),
          remove,
        ),
      );
      if (share) {
        share.update(v);
        children.push(share.element);
      }
    }
    if (v.renditions.length) {
      children.push(
        h(
          'details',
          { class: 'renditions' },
          h('summary', {}, streamsSummary(v)),
          h(
            'ul',
            {},
            ...v.renditions.map((r) =>
              h('li', {}, h('strong', {}, renditionLabel(r)), ` ${r.width ? `${r.width}×${r.height} · ` : ''}${formatBitrate(r.averageBandwidth || r.bandwidth)}${r.frameRate ? ` · ${Math.round(r.frameRate)} fps` : ''}`),
            ),
          ),
        ),
      );
    }
    replaceChildren(info, ...children);
  };

  const show = (v: Video) => {
    const wasPlayable = video?.playable ?? false;
    video = v;
    if (!player || !wasPlayable) drawStage(v);
    // Do not pull the rug from under someone typing a new title or choosing a visibility.
    const busy = info.contains(document.activeElement) && document.activeElement?.matches('input, select');
    if (!busy) drawInfo(v);
  };

  // Signed in, changes arrive over the event stream; a signed-out visitor's page asks every few
  // seconds until the video is done.
  const unsubscribe = app.user ? subscribe() : poll();

  function poll(): () => void {
    const timer = setInterval(() => {
      if (gone || (video && (video.status === 'ready' || video.status === 'failed'))) return;
      void api.getVideo(id).then(show, () => {});
    }, POLL_MS);
    return () => clearInterval(timer);
  }

  function subscribe(): () => void {
    return app.events.subscribe((event) => {
      if (event.type === 'deleted' && event.id === id && !gone) {
        gone = true;
        // Sent when the video leaves this viewer's list: deleted, or made private or unlisted by its owner.
        app.toast('This video is no longer available to you.');
        app.navigate('/');
      } else if (event.type === 'video' && event.video.id === id && video && event.video.updatedAt >= video.updatedAt) {
        show(event.video);
      } else if (event.type === 'resync' && video) {
        void api.getVideo(id).then(show, () => {});
      }
    });
  }

  api
    .getVideo(id)
    .then(show)
    .catch((err) => {
      if (!app.user && err instanceof ApiError && err.status === 401) {
        // Signed out, only private videos (and unknown ids: the answer is the same) get here.
        replaceChildren(
          root,
          h(
            'div',
            { class: 'empty' },
            h('h1', {}, 'This video is private'),
            h('p', {}, 'This video is private. Sign in with an account that may watch it, or ask its owner to share it with you.'),
            h('a', { class: 'btn btn-primary', href: `/sign-in?next=${encodeURIComponent(`/watch/${id}`)}`, 'data-link': true }, 'Sign in to watch'),
          ),
        );
        return;
      }
      const missing = err instanceof ApiError && (err.status === 404 || err.status === 403);
      replaceChildren(
        root,
        h(
          'div',
          { class: 'empty' },
          h('h1', {}, missing ? 'This video does not exist' : 'The video could not be loaded'),
          h('p', {}, missing ? 'It may have been deleted, or the link is not complete.' : err instanceof Error ? err.message : String(err)),
          app.user ? h('a', { class: 'btn btn-primary', href: '/', 'data-link': true }, 'Go to the library') : null,
        ),
      );
    });

  return () => {
    unsubscribe();
    player?.destroy();
  };
}

function streamsSummary(v: Video): string {
  const pictures = v.renditions.filter((r) => r.width > 0).length;
  const audio = v.renditions.length > pictures;
  if (!pictures) return 'Audio stream';
  return `${pictures} ${pictures === 1 ? 'quality' : 'qualities'}${audio ? ' and an audio stream' : ''}`;
}
