/** Numbers as people read them. */

export function formatDuration(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec)) return '';
  const total = Math.max(0, Math.round(sec));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

export function formatSpeed(bytesPerSec: number): string {
  return `${formatBytes(bytesPerSec)}/s`;
}

/** "about 3 min left", "12 s left". */
export function formatTimeLeft(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '';
  if (sec < 60) return `${Math.max(1, Math.round(sec))} s left`;
  if (sec < 3600) return `about ${Math.round(sec / 60)} min left`;
  const h = Math.floor(sec / 3600);
  return `about ${h} h ${Math.round((sec % 3600) / 60)} min left`;
}

export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** How long ago `iso` was, shortly: "just now", "12 min", "3 h", "2 days". */
export function formatAge(iso: string, now = Date.now()): string {
  const sec = (now - new Date(iso).getTime()) / 1000;
  if (!Number.isFinite(sec)) return '';
  if (sec < 60) return 'just now';
  if (sec < 3600) return `${Math.floor(sec / 60)} min`;
  if (sec < 48 * 3600) return `${Math.floor(sec / 3600)} h`;
  return `${Math.floor(sec / 86400)} days`;
}

export function formatBitrate(bps: number): string {
  if (bps >= 1_000_000) return `${(bps / 1_000_000).toFixed(1)} Mbit/s`;
  return `${Math.round(bps / 1000)} kbit/s`;
}

/** "720p" for a 1280x720 rendition; "Audio" when it has no picture. */
export function renditionLabel(r: { name: string; width: number; height: number }): string {
  if (!r.width || !r.height) return 'Audio only';
  return `${Math.min(r.width, r.height)}p`;
}

/**
 * What a video's processing state says to its owner: a playable video that is still encoding the
 * rest of its ladder is "Playable · improving quality 40%" (the ladder's progress), not "Processing".
 */
export function processingLabel(video: { status: 'uploading' | 'queued' | 'processing' | 'ready' | 'failed'; progress: number; playable: boolean }): string | null {
  const percent = Math.floor(Math.min(1, Math.max(0, video.progress)) * 100);
  if (video.status !== 'processing' && video.status !== 'queued') return null;
  if (video.playable) return `Playable · improving quality ${percent}%`;
  return video.status === 'processing' ? `Processing ${percent}%` : null;
}

/** Server reasons start in lower case (they read well after a colon); as a sentence they get a capital. */
export function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  return t[0].toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
}
