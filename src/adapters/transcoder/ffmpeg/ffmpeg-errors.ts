import { TransientError, UnsupportedMediaError, type VodkitError } from '../../../core/errors.ts';

/**
 * ffmpeg's and ffprobe's stderr is for operators: it names files on the server and speaks in codec
 * terms. Users get a sentence for each known problem instead; the raw lines travel as the error's
 * `cause` (see rawStderr), which the job logs.
 */
interface Known {
  pattern: RegExp;
  /** What it means, as the end of a sentence for the person who uploaded the file. */
  sentence: string;
}

/** The machine is the problem (retried). */
const TRANSIENT: readonly Known[] = [
  { pattern: /No space left on device/i, sentence: 'the server ran out of disk space' },
  { pattern: /Cannot allocate memory|Out of memory/i, sentence: 'the server ran out of memory' },
  { pattern: /Input\/output error/i, sentence: 'the server could not read or write a file (input/output error)' },
  { pattern: /Too many open files/i, sentence: 'the server had too many files open' },
  { pattern: /Resource temporarily unavailable/i, sentence: 'the server was too busy' },
  { pattern: /Permission denied/i, sentence: 'the server was not allowed to read or write a file' },
];

/** The file is the problem (never retried). The most specific first. */
const MEDIA: readonly Known[] = [
  { pattern: /not on whitelist/i, sentence: 'its format is not accepted (it can refer to other files)' },
  { pattern: /moov atom not found/i, sentence: 'no MP4/MOV index (moov atom) was found; the file is incomplete, damaged or not a video' },
  { pattern: /EBML header parsing failed/i, sentence: 'its Matroska/WebM header is damaged' },
  { pattern: /decoder .*not found|no decoder|Unsupported codec|unknown codec/i, sentence: 'it uses a codec vodkit cannot decode' },
  {
    pattern: /Error while decoding|Cannot determine format of input stream|Invalid sync code|Invalid frame marker|Invalid NAL unit|Error splitting the input into NAL units|decode_slice_header error|corrupt/i,
    sentence: 'its video or audio data is damaged and cannot be decoded',
  },
  { pattern: /could not find codec parameters/i, sentence: 'the format of its streams could not be worked out' },
  { pattern: /does not contain any stream|no (video|audio) stream|matches no streams/i, sentence: 'it has no video or audio stream' },
  { pattern: /partial file|truncat|End of file/i, sentence: 'it ends too early (it is incomplete or was cut short)' },
  { pattern: /Invalid data found when processing input/i, sentence: 'its data is damaged or in a format vodkit cannot read' },
];

/**
 * A decoder's complaint is about the file whatever errno it quotes ("Error while decoding stream #0:0:
 * Resource temporarily unavailable" is a damaged VP9 frame, not a busy machine).
 */
const DECODING = /Error while decoding|Cannot determine format of input stream/i;

function known(line: string): Known | undefined {
  const candidates = DECODING.test(line) ? MEDIA : [...TRANSIENT, ...MEDIA];
  return candidates.find((k) => k.pattern.test(line));
}

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

/** The most telling stderr line, raw (for logs): a known problem first, else the last line. */
export function usefulErrorLine(stderr: string): string | null {
  const lines = cleanLines(stderr);
  for (const k of [...TRANSIENT, ...MEDIA]) {
    const hit = lines.find((l) => known(l) === k);
    if (hit) return shorten(hit);
  }
  const last = lines[lines.length - 1];
  return last ? shorten(last) : null;
}

/** A sentence for a person about the first known problem in stderr (machine problems first); null when none is known. */
export function explainStderr(stderr: string): string | null {
  const lines = cleanLines(stderr);
  for (const k of [...TRANSIENT, ...MEDIA]) {
    if (lines.some((l) => known(l) === k)) return k.sentence;
  }
  return null;
}

export function isMediaProblem(stderr: string): boolean {
  const kinds = cleanLines(stderr).map(known);
  if (kinds.some((k) => k && TRANSIENT.includes(k))) return false;
  return kinds.some((k) => k && MEDIA.includes(k));
}

/** The last stderr lines as an Error, to be an error's `cause`: what operators read in the logs. */
export function rawStderr(tool: string, result: { code: number | null; signal: string | null; stderr: string }): Error {
  const tail = result.stderr.split(/\r?\n/).filter((l) => l.trim()).slice(-8).join('\n');
  return new Error(`${tool} ${result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`}: ${tail || '(no output)'}`);
}

/** Turns a failed ffmpeg/ffprobe exit into the vodkit error the job runner understands. */
export function failureError(tool: string, result: { code: number | null; signal: string | null; stderr: string }): VodkitError {
  const cause = rawStderr(tool, result);
  const what = tool === 'ffprobe' ? 'reading the file' : 'encoding';
  const sentence = explainStderr(result.stderr);
  if (result.signal) {
    return new TransientError(`${what} was stopped by the system (${result.signal})${sentence ? `: ${sentence}` : ''}`, { cause });
  }
  if (isMediaProblem(result.stderr)) {
    return new UnsupportedMediaError(`the file could not be read as video or audio: ${sentence ?? 'it is damaged'}`, { cause });
  }
  return new TransientError(`${what} failed on the server${sentence ? `: ${sentence}` : ''}`, { cause });
}

function shorten(line: string): string {
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
