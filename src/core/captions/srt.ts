import { ValidationError } from '../errors.ts';
import { normalizeLines } from './webvtt.ts';

/** An SRT file converted to WebVTT, and where each WebVTT line came from. */
export interface ConvertedSrt {
  text: string;
  /** The SRT line (1-based) of each WebVTT line (1-based): `sourceLine(n)`. */
  sourceLine(vttLine: number): number;
}

const SRT_TIMING = /^\s*(\d{1,3}):(\d{1,2}):(\d{1,2})(?:[,.](\d{1,3}))?\s*-->\s*(\d{1,3}):(\d{1,2}):(\d{1,2})(?:[,.](\d{1,3}))?(?:\s+.*)?$/;

/**
 * SubRip (SRT) to WebVTT: numbered blocks of a timing line ("00:00:01,000 --> 00:00:02,500") and
 * text. Times get a dot before the milliseconds, the cue number becomes the cue's identifier, SRT
 * coordinates (X1:…) are dropped, <b>, <i> and <u> are kept and other markup (<font>, {\an8}) is
 * removed; "&" and "<" of the text are escaped. A block without a timing line is refused with its
 * line number; the timings themselves are checked with the rest of the WebVTT file.
 */
export function srtToWebVtt(input: string): ConvertedSrt {
  const lines = normalizeLines(input).split('\n');
  const out: string[] = ['WEBVTT', ''];
  const origin: number[] = [1, 1];
  let i = 0;
  while (i < lines.length) {
    while (i < lines.length && lines[i]!.trim() === '') i++;
    if (i >= lines.length) break;
    const blockStart = i;
    let timingAt = i;
    let id: string | null = null;
    if (!lines[i]!.includes('-->')) {
      id = lines[i]!.trim();
      timingAt = i + 1;
    }
    const timing = SRT_TIMING.exec(lines[timingAt] ?? '');
    if (!timing) {
      throw new ValidationError(`line ${timingAt + 1}: expected a cue timing such as "00:00:01,000 --> 00:00:02,500"`);
    }
    if (id !== null && !id.includes('-->')) {
      out.push(id.replace(/-->/g, '->'));
      origin.push(blockStart + 1);
    }
    out.push(`${stamp(timing, 1)} --> ${stamp(timing, 5)}`);
    origin.push(timingAt + 1);
    i = timingAt + 1;
    while (i < lines.length && lines[i]!.trim() !== '') {
      out.push(cueText(lines[i]!));
      origin.push(i + 1);
      i++;
    }
    out.push('');
    origin.push(i + 1);
  }
  if (out.length === 2) throw new ValidationError('the SRT file has no cues');
  return { text: out.join('\n'), sourceLine: (n) => origin[n - 1] ?? lines.length };
}

function stamp(m: RegExpExecArray, at: number): string {
  const two = (s: string | undefined) => (s ?? '0').padStart(2, '0');
  const ms = (m[at + 3] ?? '0').padEnd(3, '0');
  return `${two(m[at])}:${two(m[at + 1])}:${two(m[at + 2])}.${ms}`;
}

/** One line of SRT text as WebVTT cue text. */
function cueText(line: string): string {
  const kept: string[] = [];
  const text = line
    .replace(/\{\\[^}]*\}/g, '') // ASS override tags some SRT files carry, e.g. {\an8}
    .replace(/<\/?(?:b|i|u)>/gi, (tag) => {
      kept.push(tag.toLowerCase());
      return `\u0000${kept.length - 1}\u0000`;
    })
    .replace(/<\/?[a-z][^>]*>/gi, '')
    .replace(/&(?!(?:amp|lt|gt|lrm|rlm|nbsp);)/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/-->/g, '--&gt;');
  return text.replace(/\u0000(\d+)\u0000/g, (_m, n: string) => kept[Number(n)]!);
}
