import 'media-chrome';
import 'media-chrome/menu';
import type { Video } from '../api.ts';
import { append, h, icon, ICONS } from '../dom.ts';
import { isAudioOnly } from '../pages/video-card.ts';
import { bindPlayerKeys } from './keyboard.ts';
import { Player } from './player.ts';
import { loadStoryboard } from './storyboard.ts';

/** A player on the page: the element to place, and what to undo when leaving. */
export interface MountedPlayer {
  element: HTMLElement;
  video: HTMLVideoElement;
  destroy(): void;
}

type Attrs = Record<string, string | boolean | undefined>;

/** Any element, custom ones included (the media-chrome tags are not in the DOM's tag map). */
function el(tag: string, attrs: Attrs = {}, ...children: Array<Node | null>): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : value);
  }
  append(node, ...children);
  return node;
}

/**
 * The player: media-chrome's controls (play, seek bar with storyboard previews, time, volume,
 * captions, speed, quality with Auto, picture-in-picture, fullscreen) around a <video> that
 * hls.js feeds. Audio-only videos get the audio layout: no picture, no fullscreen or
 * picture-in-picture, no quality menu. Its keys work from anywhere on the page (keyboard.ts);
 * inside the player media-chrome's own keys apply. `announce` speaks state changes to screen readers.
 */
export function mountPlayer(v: Video, options: { announce(text: string): void; embed?: boolean }): MountedPlayer {
  const audio = isAudioOnly(v);
  const video = el('video', {
    slot: 'media',
    class: 'player',
    playsinline: true,
    preload: 'auto',
    crossorigin: v.captions.some((c) => new URL(c.url, location.href).origin !== location.origin) ? 'anonymous' : undefined,
    poster: audio ? undefined : (v.poster ?? undefined),
    'aria-label': `Video: ${v.title}`,
  }) as HTMLVideoElement;
  // Caption files as text tracks: the captions menu lists them.
  for (const c of v.captions) video.append(el('track', { kind: 'subtitles', src: c.url, srclang: c.language, label: c.label }));

  const fatal = h('p', { class: 'player-error', role: 'alert', hidden: true });
  const menus = audio
    ? [el('media-captions-menu', { hidden: true, anchor: 'auto' }), el('media-playback-rate-menu', { hidden: true, anchor: 'auto', rates: '0.5 0.75 1 1.25 1.5 2' })]
    : [
        el('media-captions-menu', { hidden: true, anchor: 'auto' }),
        el('media-playback-rate-menu', { hidden: true, anchor: 'auto', rates: '0.5 0.75 1 1.25 1.5 2' }),
        el('media-rendition-menu', { hidden: true, anchor: 'auto' }),
      ];
  // The seek bar's own preview shows the storyboard tile and the time under the pointer.
  const seek = el('media-time-range', { 'aria-label': 'Seek' });
  const buttons = [
    el('media-play-button'),
    el('media-mute-button'),
    el('media-volume-range', { 'aria-label': 'Volume' }),
    h('span', { class: 'player-spacer' }),
    v.captions.length ? el('media-captions-menu-button') : null,
    el('media-playback-rate-menu-button'),
    audio || v.renditions.filter((r) => r.width > 0).length < 2 ? null : el('media-rendition-menu-button'),
    audio ? null : el('media-pip-button'),
    audio ? null : el('media-fullscreen-button'),
  ];
  const controller = el(
    'media-controller',
    {
      class: `player-chrome${audio ? ' player-audio' : ''}`,
      audio: audio || undefined,
      role: 'region',
      'aria-label': `Player: ${v.title}`,
      defaultsubtitles: false,
    },
    video,
    audio ? null : el('media-loading-indicator', { slot: 'centered-chrome', noautohide: true }),
    ...menus,
    el('media-control-bar', { class: 'player-seek' }, seek, el('media-time-display', { showduration: true })),
    el('media-control-bar', { class: 'player-buttons' }, ...buttons.filter((b): b is HTMLElement => b !== null)),
  );
  const element = h(
    'div',
    { class: `player-frame${audio ? ' player-frame-audio' : ''}${options.embed ? ' player-frame-embed' : ''}` },
    audio ? h('div', { class: 'audio-art' }, icon(ICONS.music, 'icon audio-icon')) : null,
    controller,
    fatal,
  );

  const player = new Player(video, v.playback.hls ?? '', v.renditions, {
    onFatal(message) {
      fatal.textContent = message;
      fatal.hidden = false;
    },
  });
  const unbindKeys = bindPlayerKeys(video, controller, options.announce);
  const storyboard = new AbortController();
  if (v.storyboard && !audio) void loadStoryboard(video, v.storyboard, storyboard.signal);
  if (v.playback.hls) player.start();
  return {
    element,
    video,
    destroy() {
      storyboard.abort();
      unbindKeys();
      player.destroy();
    },
  };
}
