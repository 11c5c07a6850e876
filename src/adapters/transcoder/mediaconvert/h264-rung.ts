import type { H264CodecLevel } from '@aws-sdk/client-mediaconvert';
import { REFERENCE_CRF } from '../../../core/ladder/per-title.ts';
import type { VideoRung } from '../../../core/model/ladder-plan.ts';
import { h264Level } from '../h264-level.ts';

/**
 * How MediaConvert encodes one rung of an encoder-neutral ladder plan: H.264 High, QVBR under the
 * rung's peak rate and buffer, at the lowest level that fits size, frame rate and rates (ITU-T H.264
 * Table A-1, High-profile rates, never below 3.0: the same choice as the ffmpeg adapter's, kept here
 * so that function bundles never reach the ffmpeg adapter).
 *
 * QVBR quality level per rung, after AWS's QVBR guidance by viewing device (primary screen 8 to 10,
 * PC or tablet 7, smartphone 6): 8 for rungs of 1080 lines and more (shown on large screens), 7 for
 * 720 to 1079 lines (laptops, tablets), 6 below 720 (phones, and the rungs players fall back to on
 * poor networks). A rung with a CRF (a ladder fitted to the content, core/ladder/per-title.ts)
 * moves that level by one for every two CRF steps away from CRF 23 (higher CRF, lower level; 1 to
 * 10). The rung's MaxBitrate bounds the rate in every case.
 */
export interface H264RungSettings {
  qvbrQualityLevel: number;
  /** "4.1" */
  level: string;
  /** MediaConvert's name of that level, "LEVEL_4_1". */
  codecLevel: H264CodecLevel;
  /** level_idc, e.g. 41. */
  levelIdc: number;
  /** RFC 6381, e.g. "avc1.640029" (High profile, no constraint flags, the level). */
  codecs: string;
}

/** profile_idc of H.264 High. */
const HIGH_PROFILE_IDC = 0x64;
export const AAC_LC_CODECS = 'mp4a.40.2';

export function qvbrQualityLevel(rung: Pick<VideoRung, 'width' | 'height' | 'crf'>): number {
  const lines = Math.min(rung.width, rung.height);
  const level = lines >= 1080 ? 8 : lines >= 720 ? 7 : 6;
  if (rung.crf === undefined) return level;
  return Math.min(10, Math.max(1, level - Math.trunc((rung.crf - REFERENCE_CRF) / 2)));
}

export function h264RungSettings(rung: VideoRung, fps: number): H264RungSettings {
  const level = h264Level(rung.width, rung.height, fps, rung.maxrateKbps, rung.bufsizeKbps);
  const [major, minor] = level.split('.').map(Number);
  const codecLevel = (minor ? `LEVEL_${major}_${minor}` : `LEVEL_${major}`) as H264CodecLevel;
  const levelIdc = major * 10 + minor;
  return { qvbrQualityLevel: qvbrQualityLevel(rung), level, codecLevel, levelIdc, codecs: h264Codecs(levelIdc) };
}

/** RFC 6381 codecs of H.264 High at a level_idc: "avc1.64" + no constraint flags + the level, e.g. "avc1.640029". */
export function h264Codecs(levelIdc: number): string {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `avc1.${hex(HIGH_PROFILE_IDC)}00${hex(levelIdc)}`;
}

/**
 * A frame rate as MediaConvert takes it (numerator / denominator): the NTSC rates (23.976, 29.97,
 * 59.94…) as N*1000/1001, whole rates as N/1, anything else in thousandths.
 */
export function frameRateFraction(fps: number): { numerator: number; denominator: number } {
  const whole = Math.round(fps);
  if (Math.abs(fps - whole) < 0.001) return { numerator: whole, denominator: 1 };
  const ntsc = Math.round((fps * 1001) / 1000);
  if (Math.abs(fps - (ntsc * 1000) / 1001) < 0.002) return { numerator: ntsc * 1000, denominator: 1001 };
  const thousandths = Math.round(fps * 1000);
  const g = gcd(thousandths, 1000);
  return { numerator: thousandths / g, denominator: 1000 / g };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
