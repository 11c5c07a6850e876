import webvttParser from 'webvtt-parser';
import { ValidationError } from '../errors.ts';

/**
 * WebVTT caption files, checked with the W3C's WebVTT parser (webvtt-parser) before they are
 * published: a file a player would misread or drop is refused with the line at fault, in a sentence.
 */

/** One cue, times in seconds. */
export interface VttCue {
  startTime: number;
  endTime: number;
  text: string;
}

/** A caption file that passed the checks: its text (LF line ends, no byte order mark) and cues. */
export interface CheckedVtt {
  text: string;
  cues: VttCue[];
}

/** Largest caption file accepted, in characters. */
export const MAX_CAPTION_CHARS = 2 * 1024 * 1024;

/**
 * Checks WebVTT text; ValidationError ("line 7: the cue ends before it starts") at the first
 * problem. `lineOf` maps a line of `text` to the line the user wrote (a converted SRT file).
 */
export function checkWebVtt(input: string, lineOf: (line: number) => number = (l) => l): CheckedVtt {
  if (input.length > MAX_CAPTION_CHARS) throw new ValidationError(`the caption file is larger than ${MAX_CAPTION_CHARS / 1024 / 1024} MiB`);
  const text = normalizeLines(input);
  const lines = text.split('\n');
  const { cues, errors } = new webvttParser.WebVTTParser().parse(text, 'metadata');
  // Header lines after "WEBVTT" (e.g. "Kind: captions", "Language: en", as many tools write) are
  // allowed by players; the validator reports them, a timing line among them stays an error.
  const real = errors.filter((e) => !(e.message.startsWith('No blank line after the signature') && !(lines[e.line - 1] ?? '').includes('-->')));
  const first = real.sort((a, b) => a.line - b.line)[0];
  if (first) throw new ValidationError(`line ${lineOf(first.line)}: ${explain(first.message, lines[first.line - 1] ?? '')}`);
  if (cues.length === 0) throw new ValidationError('the caption file has no cues');
  return { text, cues: cues.map((c) => ({ startTime: c.startTime, endTime: c.endTime, text: c.text })) };
}

/** The file with every line end made LF, without a byte order mark and NUL characters. */
export function normalizeLines(input: string): string {
  const text = input.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').replace(/\0/g, '\uFFFD');
  return text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * The file as published in an HLS subtitles playlist: X-TIMESTAMP-MAP in its header maps cue time 0
 * to media time 0 (the fMP4 renditions start at 0), as Apple's players expect of segmented WebVTT.
 */
export function withTimestampMap(text: string): string {
  const lines = text.split('\n');
  if (lines.slice(1, lines.indexOf('')).some((l) => l.startsWith('X-TIMESTAMP-MAP='))) return text;
  return [lines[0], 'X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000', ...lines.slice(1)].join('\n');
}

/** The parser's messages in vodkit's words, for the most common ones. */
function explain(message: string, line: string): string {
  if (message.startsWith('End timestamp is not greater than start timestamp')) {
    const [start, end] = timesOf(line);
    return start !== null && end !== null && end === start ? 'the cue ends when it starts' : 'the cue ends before it starts';
  }
  if (message.startsWith('Start timestamp is not greater than or equal to start timestamp of previous cue')) return 'the cue starts before the cue above it';
  if (message.startsWith('No valid signature')) return 'a WebVTT file starts with "WEBVTT"';
  if (message.startsWith('No blank line after the signature')) return 'a blank line is missing after "WEBVTT"';
  if (message.startsWith('Blank line missing before cue')) return 'a blank line is missing before this cue';
  if (/timestamp|two digits|three digits|separator|minutes|seconds/i.test(message)) return `the cue timing is not valid (${lowerFirst(message)})`;
  return lowerFirst(message);
}

function timesOf(line: string): [number | null, number | null] {
  const m = /^\s*(\S+)\s+-->\s+(\S+)/.exec(line);
  return m ? [seconds(m[1]!), seconds(m[2]!)] : [null, null];
}

/** Seconds of a WebVTT timestamp ("01:02.500" or "1:01:02.500"), or null. */
export function seconds(stamp: string): number | null {
  const m = /^(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})$/.exec(stamp);
  if (!m) return null;
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1).replace(/\.$/, '');
}
