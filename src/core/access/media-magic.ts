/**
 * A cheap first look at an uploaded source's first bytes, before any transcode job exists.
 *
 * ffprobe (with a protocol and demuxer whitelist) remains the real check; this one only turns
 * away, early and with a clear reason, the files that are text: HLS/DASH playlists, ffconcat
 * lists, SDP descriptions, web pages, JSON, subtitles. Those are the inputs that ask a media tool
 * to open other files or URLs. Every media container vodkit accepts starts with binary bytes
 * within its first few hundred bytes; text formats do not.
 */

/** How many leading bytes to read for `checkSourceHead`. */
export const SOURCE_HEAD_BYTES = 512;

const TEXT_SIGNATURES: Array<[RegExp, string]> = [
  [/^#EXTM3U/i, 'an HLS playlist'],
  [/^ffconcat/i, 'an ffconcat list'],
  [/^<\?xml|^<MPD/i, 'an XML document (such as a DASH manifest)'],
  [/^<(!doctype|html|head|body|script|svg)/i, 'a web page'],
  [/^v=0\r?\n/, 'an SDP session description'],
  [/^(file|concat:|subfile:|http:|https:|ftp:|rtmp:|rtsp:)/i, 'a list of file names or URLs'],
  [/^[[{]/, 'a JSON or text document'],
];

export interface SourceHeadVerdict {
  ok: boolean;
  /** Why the file is refused, for the video's error message; null when ok. */
  reason: string | null;
}

/**
 * Checks the first bytes of an upload (up to SOURCE_HEAD_BYTES). Refuses empty files and files
 * that are text; accepts anything binary and leaves the rest to ffprobe.
 */
export function checkSourceHead(head: Uint8Array): SourceHeadVerdict {
  if (head.length === 0) return refuse('the file is empty');
  if (!looksLikeText(head)) return { ok: true, reason: null };
  const text = Buffer.from(head).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  for (const [pattern, what] of TEXT_SIGNATURES) {
    if (pattern.test(text)) return refuse(`it is ${what}, not a media file; upload the video or audio file itself`);
  }
  return refuse('it is a text file, not a media file');
}

function refuse(why: string): SourceHeadVerdict {
  return { ok: false, reason: `not a video or audio file: ${why}` };
}

/**
 * True when the bytes are valid UTF-8 without control characters other than tab, CR, LF and form
 * feed. A multi-byte character cut off at the end of the window still counts as text.
 */
export function looksLikeText(bytes: Uint8Array): boolean {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) return false;
      if (b === 0x7f) return false;
      i++;
      continue;
    }
    const extra = b >= 0xf0 && b <= 0xf4 ? 3 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xc2 && b <= 0xdf ? 1 : -1;
    if (extra < 0) return false;
    for (let k = 1; k <= extra; k++) {
      if (i + k >= bytes.length) return true; // truncated by the window
      if ((bytes[i + k] & 0xc0) !== 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}
