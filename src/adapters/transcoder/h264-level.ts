/**
 * Shared by the encoders (ffmpeg's x264 settings, MediaConvert's rungs).
 * H.264 levels (ITU-T H.264 Table A-1) and the smallest one that fits a picture size, frame rate and
 * bit rate. Bit-rate limits are the High profile ones (1.25x the Baseline/Main MaxBR and MaxCPB).
 */
interface LevelLimits {
  level: string;
  /** Max macroblocks per second. */
  maxMbps: number;
  /** Max frame size in macroblocks. */
  maxFs: number;
  /** Max video bit rate, kbit/s, High profile. */
  maxBrKbps: number;
  /** Max coded picture buffer, kbit, High profile. */
  maxCpbKbit: number;
}

const LEVELS: readonly LevelLimits[] = [
  { level: '3.0', maxMbps: 40_500, maxFs: 1_620, maxBrKbps: 12_500, maxCpbKbit: 12_500 },
  { level: '3.1', maxMbps: 108_000, maxFs: 3_600, maxBrKbps: 17_500, maxCpbKbit: 17_500 },
  { level: '3.2', maxMbps: 216_000, maxFs: 5_120, maxBrKbps: 25_000, maxCpbKbit: 25_000 },
  { level: '4.0', maxMbps: 245_760, maxFs: 8_192, maxBrKbps: 25_000, maxCpbKbit: 31_250 },
  { level: '4.1', maxMbps: 245_760, maxFs: 8_192, maxBrKbps: 62_500, maxCpbKbit: 78_125 },
  { level: '4.2', maxMbps: 522_240, maxFs: 8_704, maxBrKbps: 62_500, maxCpbKbit: 78_125 },
  { level: '5.0', maxMbps: 589_824, maxFs: 22_080, maxBrKbps: 168_750, maxCpbKbit: 168_750 },
  { level: '5.1', maxMbps: 983_040, maxFs: 36_864, maxBrKbps: 300_000, maxCpbKbit: 300_000 },
  { level: '5.2', maxMbps: 2_073_600, maxFs: 36_864, maxBrKbps: 300_000, maxCpbKbit: 300_000 },
];

/** The lowest level (never below 3.0, which every H.264 device decodes) that fits the stream. */
export function h264Level(width: number, height: number, fps: number, maxrateKbps: number, bufsizeKbps: number): string {
  const mbWide = Math.ceil(width / 16);
  const mbHigh = Math.ceil(height / 16);
  const frameMbs = mbWide * mbHigh;
  for (const l of LEVELS) {
    // A picture side may not exceed sqrt(8 * MaxFS) macroblocks (A.3.1 h/i).
    const maxSide = Math.sqrt(8 * l.maxFs);
    if (
      frameMbs <= l.maxFs &&
      mbWide <= maxSide &&
      mbHigh <= maxSide &&
      frameMbs * fps <= l.maxMbps &&
      maxrateKbps <= l.maxBrKbps &&
      bufsizeKbps <= l.maxCpbKbit
    ) {
      return l.level;
    }
  }
  return LEVELS[LEVELS.length - 1].level;
}

/** The largest frame (in macroblocks) any supported level allows. */
export const MAX_FRAME_MBS = LEVELS[LEVELS.length - 1].maxFs;
