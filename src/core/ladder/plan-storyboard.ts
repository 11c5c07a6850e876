import type { StoryboardPlan } from '../model/ladder-plan.ts';

/**
 * Plans the storyboard (scrub previews) of a video: one sprite sheet of small frames taken at a fixed
 * interval, laid out in a grid. Pure and encoder-neutral: the ffmpeg ladder takes the tiles from the
 * frames it already decodes; another encoder may do the same from this plan.
 *
 * Rules:
 * - Interval: 1 s, longer for long videos so that there are at most MAX_STORYBOARD_TILES tiles:
 *   max(1, ceil(duration / 200)) whole seconds (10 s → 1 s, 1 h → 18 s).
 * - Tiles: one per interval started, ceil(duration / interval).
 * - Tile size: 160 px on the long side (never larger than the picture), the other side from the
 *   picture's aspect, both even.
 * - Grid: up to 10 columns, as many rows as the tiles need; the sheet's last row may be short.
 * - null when there is no picture or no known duration (audio-only).
 */
export const MAX_STORYBOARD_TILES = 200;
export const STORYBOARD_TILE_LONG_SIDE = 160;
export const STORYBOARD_MAX_COLUMNS = 10;

export function planStoryboard(durationSec: number, picture: { width: number; height: number } | null): StoryboardPlan | null {
  if (!picture || !(picture.width > 0 && picture.height > 0)) return null;
  if (!Number.isFinite(durationSec) || durationSec <= 0) return null;
  const intervalSec = Math.max(1, Math.ceil(durationSec / MAX_STORYBOARD_TILES));
  const count = Math.max(1, Math.ceil(durationSec / intervalSec - 1e-9));
  const long = Math.min(STORYBOARD_TILE_LONG_SIDE, Math.max(picture.width, picture.height));
  const landscape = picture.width >= picture.height;
  const tileWidth = landscape ? even(long) : even((long * picture.width) / picture.height);
  const tileHeight = landscape ? even((long * picture.height) / picture.width) : even(long);
  const columns = Math.min(STORYBOARD_MAX_COLUMNS, count);
  const rows = Math.ceil(count / columns);
  return { intervalSec, tileWidth, tileHeight, columns, rows, count };
}

function even(x: number): number {
  return Math.max(2, Math.round(x / 2) * 2);
}
