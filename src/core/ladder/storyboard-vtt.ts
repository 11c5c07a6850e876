import type { StoryboardPlan } from '../model/ladder-plan.ts';

/**
 * The WebVTT map of a storyboard: one cue per tile, from its time to the next tile's (the last one
 * to the end of the video), whose text is the sprite sheet's URL relative to the map with a media
 * fragment naming the tile, e.g. `storyboard.jpg#xywh=160,0,160,90`. Tiles run left to right, then
 * top to bottom.
 */
export function writeStoryboardVtt(plan: StoryboardPlan, durationSec: number, imageName: string): string {
  const lines = ['WEBVTT', ''];
  const end = Number.isFinite(durationSec) && durationSec > 0 ? durationSec : plan.count * plan.intervalSec;
  for (let i = 0; i < plan.count; i++) {
    const from = i * plan.intervalSec;
    const to = Math.max(from + 0.001, Math.min((i + 1) * plan.intervalSec, end));
    const x = (i % plan.columns) * plan.tileWidth;
    const y = Math.floor(i / plan.columns) * plan.tileHeight;
    lines.push(`${vttTime(from)} --> ${vttTime(to)}`, `${imageName}#xywh=${x},${y},${plan.tileWidth},${plan.tileHeight}`, '');
  }
  return lines.join('\n');
}

/** hh:mm:ss.mmm */
export function vttTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}
