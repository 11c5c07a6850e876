/**
 * Player keys, as on the big video sites: Space or K play/pause, ←/→ seek 5 s (J/L 10 s),
 * ↑/↓ volume, F fullscreen, M mute. Ignored while typing in a field or using another control;
 * inside the player (media-chrome's <media-controller>) its own keys, the same ones, apply instead.
 */
export const KEY_HELP: Array<[string, string]> = [
  ['Space / K', 'play or pause'],
  ['← / →', 'back or ahead 5 s'],
  ['F', 'fullscreen'],
  ['M', 'mute'],
];

export function bindPlayerKeys(video: HTMLVideoElement, fullscreenTarget: HTMLElement, announce: (text: string) => void): () => void {
  const onKey = (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target as HTMLElement | null;
    if (target && target !== video && target.closest('input, textarea, select, [contenteditable], dialog')) return;
    if (target?.closest?.('media-controller')) return;
    // Buttons and links keep Space/Enter for themselves.
    if (target && target !== video && e.key === ' ' && target.closest('button, a')) return;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    switch (key) {
      case ' ':
      case 'k':
        if (video.paused || video.ended) void video.play().catch(() => {});
        else video.pause();
        break;
      case 'ArrowLeft':
        seek(video, -5);
        break;
      case 'ArrowRight':
        seek(video, 5);
        break;
      case 'j':
        seek(video, -10);
        break;
      case 'l':
        seek(video, 10);
        break;
      case 'ArrowUp':
        video.volume = Math.min(1, video.volume + 0.1);
        video.muted = false;
        announce(`Volume ${Math.round(video.volume * 100)}%`);
        break;
      case 'ArrowDown':
        video.volume = Math.max(0, video.volume - 0.1);
        announce(`Volume ${Math.round(video.volume * 100)}%`);
        break;
      case 'm':
        video.muted = !video.muted;
        announce(video.muted ? 'Muted' : 'Sound on');
        break;
      case 'f':
        if (document.fullscreenElement) void document.exitFullscreen().catch(() => {});
        else void fullscreenTarget.requestFullscreen?.().catch(() => {});
        break;
      default:
        return;
    }
    e.preventDefault();
  };
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}

function seek(video: HTMLVideoElement, by: number): void {
  const end = Number.isFinite(video.duration) ? video.duration : video.currentTime + Math.max(0, by);
  video.currentTime = Math.max(0, Math.min(end, video.currentTime + by));
}
