import { TransientError, UnsupportedMediaError, type VodkitError } from '../../../core/errors.ts';

/** stderr lines that mean the input itself is the problem (never retried). */
const MEDIA_PATTERNS: readonly RegExp[] = [
  /not on whitelist/i,
  /moov atom not found/i,
  /Invalid data found when processing input/i,
  /could not find codec parameters/i,
  /decoder .*not found|no decoder|Unsupported codec|unknown codec/i,
  /EBML header parsing failed/i,
  /Invalid sync code|Invalid frame marker|Invalid NAL unit|Error splitting the input into NAL units/i,
  /Error while decoding|decode_slice_header error|corrupt/i,
  /does not contain any stream|no (video|audio) stream|matches no streams/i,
  /partial file|truncat|End of file/i,
];

/** stderr lines that mean the machine is the problem (retried). */
const TRANSIENT_PATTERNS: readonly RegExp[] = [
  /No space left on device/i,
  /Cannot allocate memory|Out of memory/i,
  /Input\/output error/i,
  /Too many open files/i,
  /Resource temporarily unavailable/i,
  /Permission denied/i,
];

const NOISE = /^(Last message repeated|Conversion failed|Exiting normally|Error opening output file|Error initializing output stream|Error opening input files?|\s*$)/i;

/** The stderr lines without log prefixes ("[mov @ 0x..] ") and without the input path. */
export function cleanLines(stderr: string): string[] {
  return stderr
    .split(/\r?\n/)
    .map((l) =>
      l
        .replace(/^\s*(\[[^\]]+ @ 0x[0-9a-f]+\]\s*)+/i, '')
        .replace(/^file:\S*?:\s/, '')
        .trim(),
    )
    .filter((l) => !NOISE.test(l));
}

/** The most telling stderr line for a person: a known media problem first, else the last line. */
export function usefulErrorLine(stderr: string): string | null {
  const lines = cleanLines(stderr);
  for (const pattern of [...TRANSIENT_PATTERNS, ...MEDIA_PATTERNS]) {
    const hit = lines.find((l) => pattern.test(l));
    if (hit) return shorten(hit);
  }
  const last = lines[lines.length - 1];
  return last ? shorten(last) : null;
}

export function isMediaProblem(stderr: string): boolean {
  const lines = cleanLines(stderr);
  if (lines.some((l) => TRANSIENT_PATTERNS.some((p) => p.test(l)))) return false;
  return lines.some((l) => MEDIA_PATTERNS.some((p) => p.test(l)));
}

/** Turns a failed ffmpeg/ffprobe exit into the vodkit error the job runner understands. */
export function failureError(tool: string, result: { code: number | null; signal: string | null; stderr: string }): VodkitError {
  const line = usefulErrorLine(result.stderr);
  if (result.signal) {
    return new TransientError(`${tool} was killed by ${result.signal}${line ? `: ${line}` : ''}`);
  }
  if (isMediaProblem(result.stderr)) {
    return new UnsupportedMediaError(`the file could not be read as video or audio: ${line ?? 'unknown error'}`);
  }
  return new TransientError(`${tool} failed (exit code ${result.code})${line ? `: ${line}` : ''}`);
}

function shorten(line: string): string {
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
