/**
 * Decides, in the browser and before any byte is uploaded, whether a file is a video or audio
 * file: by its declared type and extension, then by the magic numbers at the start of its bytes.
 * The server checks the file again with ffprobe; this is only to refuse obvious mistakes early.
 */

export type SniffResult = { ok: true; format: string } | { ok: false; reason: string };

/** Formats vodkit can take, recognised by their first bytes. */
const MEDIA_SIGNATURES: Array<{ format: string; test: (b: Uint8Array) => boolean }> = [
  { format: 'MP4 / QuickTime', test: (b) => ['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip', 'pnot'].includes(ascii(b, 4, 4)) },
  { format: 'Matroska / WebM', test: (b) => startsWith(b, [0x1a, 0x45, 0xdf, 0xa3]) },
  { format: 'AVI', test: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'AVI ' },
  { format: 'WAV', test: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WAVE' },
  { format: 'AIFF', test: (b) => ascii(b, 0, 4) === 'FORM' && ['AIFF', 'AIFC'].includes(ascii(b, 8, 4)) },
  { format: 'MPEG transport stream', test: (b) => b[0] === 0x47 && b.length > 188 && b[188] === 0x47 },
  { format: 'MPEG program stream', test: (b) => startsWith(b, [0x00, 0x00, 0x01, 0xba]) || startsWith(b, [0x00, 0x00, 0x01, 0xb3]) },
  { format: 'FLV', test: (b) => ascii(b, 0, 3) === 'FLV' },
  { format: 'Ogg', test: (b) => ascii(b, 0, 4) === 'OggS' },
  { format: 'FLAC', test: (b) => ascii(b, 0, 4) === 'fLaC' },
  { format: 'MP3', test: (b) => ascii(b, 0, 3) === 'ID3' },
  { format: 'AMR', test: (b) => ascii(b, 0, 5) === '#!AMR' },
  { format: 'MPEG audio', test: (b) => b[0] === 0xff && (b[1] & 0xe0) === 0xe0 && (b[1] & 0x06) !== 0 },
  { format: 'AAC', test: (b) => b[0] === 0xff && (b[1] & 0xf6) === 0xf0 },
  { format: 'H.264 stream', test: (b) => startsWith(b, [0x00, 0x00, 0x00, 0x01]) },
  // A SMPTE partition pack key (header partition) opens an MXF file.
  { format: 'MXF', test: (b) => startsWith(b, [0x06, 0x0e, 0x2b, 0x34, 0x02, 0x05, 0x01, 0x01, 0x0d, 0x01, 0x02, 0x01, 0x01, 0x02]) },
];

/** Well-known non-media files, to say what the file is instead of only what it is not. */
const OTHER_SIGNATURES: Array<{ kind: string; test: (b: Uint8Array) => boolean }> = [
  { kind: 'a PNG image', test: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47]) },
  { kind: 'a JPEG image', test: (b) => startsWith(b, [0xff, 0xd8, 0xff]) },
  { kind: 'a GIF image', test: (b) => ascii(b, 0, 4) === 'GIF8' },
  { kind: 'a WebP image', test: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP' },
  { kind: 'a PDF document', test: (b) => ascii(b, 0, 5) === '%PDF-' },
  { kind: 'a ZIP archive or Office document', test: (b) => startsWith(b, [0x50, 0x4b, 0x03, 0x04]) },
  { kind: 'a program', test: (b) => ascii(b, 0, 2) === 'MZ' || startsWith(b, [0x7f, 0x45, 0x4c, 0x46]) },
  { kind: 'a playlist', test: (b) => ascii(b, 0, 7) === '#EXTM3U' },
];

const TEXT_EXTENSIONS = /\.(txt|md|csv|json|xml|html?|js|css|m3u8?|srt|vtt|ass|ffconcat|sdp|log|pdf|docx?|xlsx?|pptx?|zip|rar|7z|gz|exe|dmg|iso|png|jpe?g|gif|webp|heic|svg|bmp|tiff?)$/i;

/** How many bytes `sniffFile` reads. */
export const SNIFF_BYTES = 512;

export async function sniffFile(file: File): Promise<SniffResult> {
  if (file.size === 0) return { ok: false, reason: 'The file is empty.' };
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  return sniffBytes(file.name, file.type, head);
}

/** Pure part of `sniffFile`, for a file's name, declared type and first bytes. */
export function sniffBytes(name: string, type: string, head: Uint8Array): SniffResult {
  if (head.length === 0) return { ok: false, reason: 'The file is empty.' };
  const declared = type.toLowerCase();
  const media = MEDIA_SIGNATURES.find((s) => s.test(head));
  const other = OTHER_SIGNATURES.find((s) => s.test(head));
  if (other && !media) {
    return { ok: false, reason: `This is ${other.kind}, not a video or audio file.` };
  }
  if (/mpegurl/.test(declared)) return { ok: false, reason: 'Playlists cannot be uploaded; upload the video file itself.' };
  if (!media) {
    if (TEXT_EXTENSIONS.test(name) || /^(text|image|application\/(pdf|json|zip|xml))/.test(declared)) {
      return { ok: false, reason: `This is not a video or audio file (${describe(name, declared)}).` };
    }
    if (isMostlyText(head)) return { ok: false, reason: 'This is a text file, not a video or audio file.' };
    return { ok: false, reason: 'This does not look like a video or audio file: its content is not a format vodkit recognises.' };
  }
  // The declared type is only the system's guess (Linux desktops call a .ts video a Qt translation
  // file): with media bytes, only a name that says otherwise refuses the file.
  if (TEXT_EXTENSIONS.test(name)) {
    return { ok: false, reason: `The name says ${describe(name, declared)}, but a video or audio file is expected.` };
  }
  return { ok: true, format: media.format };
}

/** The content type to declare: the browser's when it is a media type, else a neutral one. */
export function uploadContentType(file: File): string {
  const type = file.type.toLowerCase();
  return /^(video|audio)\/[a-z0-9][a-z0-9.+-]*$/.test(type) ? type : 'application/octet-stream';
}

function describe(name: string, type: string): string {
  const ext = /\.([^.]+)$/.exec(name)?.[1];
  if (ext) return `a .${ext.toLowerCase()} file`;
  return type ? `a ${type} file` : 'an unknown kind of file';
}

function startsWith(b: Uint8Array, sig: number[]): boolean {
  return sig.every((v, i) => b[i] === v);
}

function ascii(b: Uint8Array, offset: number, length: number): string {
  let out = '';
  for (let i = offset; i < offset + length && i < b.length; i++) out += String.fromCharCode(b[i]);
  return out;
}

function isMostlyText(b: Uint8Array): boolean {
  let printable = 0;
  for (const byte of b) if (byte === 9 || byte === 10 || byte === 13 || (byte >= 32 && byte < 127) || byte >= 0xc2) printable++;
  return printable / b.length > 0.95;
}
