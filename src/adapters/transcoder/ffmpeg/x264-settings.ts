import { REFERENCE_CRF } from '../../../core/ladder/per-title.ts';
import type { VideoRung } from '../../../core/model/ladder-plan.ts';
import { h264Level } from '../h264-level.ts';

/**
 * How libx264 encodes one rung of an encoder-neutral ladder plan: H.264 High at the rung's CRF
 * (constant quality; CRF 23 when the plan sets none) under the rung's maxrate/bufsize caps, at the
 * lowest level that fits size, frame rate and rates (never below 3.0).
 */
export interface X264RungSettings {
  crf: number;
  profile: 'high' | 'main' | 'baseline';
  level: string;
}

export const X264_CRF = REFERENCE_CRF;
export const X264_PROFILE = 'high';
/** Default preset: good quality per CPU second on small machines. */
export const DEFAULT_X264_PRESET = 'veryfast';

/** libx264's presets, fastest first. */
const PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow', 'placebo'];
/** The first playable output's preset: it is on screen seconds after the upload, then replaced by the ladder. */
export const QUICK_START_PRESET = 'superfast';

/** The preset of a first playable output: QUICK_START_PRESET, or `preset` when that is faster still. */
export function quickStartPreset(preset: string): string {
  const at = PRESETS.indexOf(preset);
  return at !== -1 && at < PRESETS.indexOf(QUICK_START_PRESET) ? preset : QUICK_START_PRESET;
}

export function x264Settings(rung: VideoRung, fps: number): X264RungSettings {
  return {
    crf: rung.crf ?? X264_CRF,
    profile: X264_PROFILE,
    level: h264Level(rung.width, rung.height, fps, rung.maxrateKbps, rung.bufsizeKbps),
  };
}
