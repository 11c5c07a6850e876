/**
 * Writes a corpus of broken, hostile and merely odd media files into a folder, with a manifest of
 * what vodkit must do with each. Nothing here is committed: the files are generated on demand.
 *
 *   node --import tsx scripts/make-bad-corpus.ts <folder>
 *
 * Expectations (`expect`):
 * - 'failed': the video ends `failed` and `reason` matches its error (a sentence a user can read);
 * - 'ready': the file is odd but legitimately playable, and must play.
 *
 * The list, with what each file is and what vodkit does with it, is in docs/operations.md.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeClip } from '../test/support/clips.ts';

export interface BadInput {
  /** File name in the folder (its extension is what the uploader claims). */
  name: string;
  path: string;
  contentType: string;
  /** What the file is and why it is in the corpus. */
  what: string;
  expect: 'failed' | 'ready';
  /** For 'failed': what the error must say. */
  reason?: RegExp;
  /** Files a hostile input refers to (must never be read). */
  canaries?: string[];
}

const FFMPEG = process.env.VODKIT_FFMPEG ?? 'ffmpeg';
const NOT_MEDIA = /not a video or audio file/;

export async function makeBadCorpus(dir: string): Promise<BadInput[]> {
  await mkdir(dir, { recursive: true });
  const out: BadInput[] = [];
  const add = (entry: Omit<BadInput, 'path'>) => {
    const item = { ...entry, path: join(dir, entry.name) };
    out.push(item);
    return item.path;
  };
  const text = async (name: string, body: string, what: string, reason: RegExp) => {
    await writeFile(add({ name, contentType: 'video/mp4', what, expect: 'failed', reason }), body);
  };
  const video = (w: number, h: number, seconds = 2, rate = 25) => ['-f', 'lavfi', '-i', `testsrc2=size=${w}x${h}:rate=${rate}:duration=${seconds}`];
  const tone = (seconds = 2) => ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`];
  const x264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];

  // A good clip the broken ones are cut from.
  const good = join(dir, '.good-source.mp4');
  await ffmpeg([...video(320, 180), ...tone(), ...x264, '-c:a', 'aac', '-shortest', good]);
  const goodBytes = await readFile(good);

  // --- empty and text: refused before any job is queued -------------------------------------
  await writeFile(add({ name: 'zero-byte.mp4', contentType: 'video/mp4', what: 'an empty file', expect: 'failed', reason: /the file is empty/ }), '');
  await text('plain-text.mp4', 'Dear diary, this is not a video.\n'.repeat(40), 'a text file named .mp4', /text file/);
  await text('web-page.mp4', '<!doctype html><html><body>hello</body></html>\n', 'an HTML page named .mp4', /web page/);
  await text('json.mov', '{"video": "not really", "frames": []}\n', 'JSON named .mov', /JSON/);
  await text('subtitles.mp4', '1\n00:00:01,000 --> 00:00:02,000\nHello\n\n', 'an SRT subtitle file named .mp4', /text file/);
  await text('image.svg.mp4', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>\n', 'an SVG image named .mp4', /web page/);
  await text('dash-manifest.mp4', '<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011"></MPD>\n', 'a DASH manifest', /XML document/);
  for (const kind of ['hls-playlist', 'ffconcat', 'concat-protocol'] as const) {
    const clip = await makeClip(dir, kind, { name: `${kind}.mp4` });
    out.push({
      name: `${kind}.mp4`,
      path: clip.path,
      contentType: 'video/mp4',
      what: `a ${kind} text file that points ffmpeg at other local files (the canaries)`,
      expect: 'failed',
      reason: kind === 'ffconcat' ? /ffconcat list/ : /HLS playlist/,
      canaries: clip.canaries,
    });
  }

  // --- binary but not media, or broken beyond use ---------------------------------------------
  await writeFile(add({ name: 'random-bytes.mp4', contentType: 'video/mp4', what: '256 KiB of random bytes', expect: 'failed', reason: NOT_MEDIA }), randomBytes(256 * 1024));
  await writeFile(
    add({ name: 'elf-binary.mp4', contentType: 'video/mp4', what: 'an executable header and noise', expect: 'failed', reason: NOT_MEDIA }),
    Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), randomBytes(64 * 1024)]),
  );
  await writeFile(
    add({ name: 'zip-archive.mp4', contentType: 'video/mp4', what: 'a ZIP header and noise', expect: 'failed', reason: NOT_MEDIA }),
    Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), randomBytes(64 * 1024)]),
  );
  await writeFile(
    add({ name: 'header-only.mp4', contentType: 'video/mp4', what: 'the first 64 bytes of an MP4 (file type box, nothing else)', expect: 'failed', reason: NOT_MEDIA }),
    goodBytes.subarray(0, 64),
  );
  {
    // moov at the end (no faststart), cut in half: the index never arrives.
    const path = add({ name: 'truncated-no-index.mp4', contentType: 'video/mp4', what: 'an MP4 cut in half before its index', expect: 'failed', reason: /moov atom|index/ });
    await writeFile(path, goodBytes.subarray(0, Math.floor(goodBytes.length / 2)));
  }
  {
    const mkv = join(dir, '.good.mkv');
    await ffmpeg([...video(160, 90), ...x264, mkv]);
    await writeFile(
      add({ name: 'ebml-header-only.mkv', contentType: 'video/x-matroska', what: 'the first 40 bytes of a Matroska file', expect: 'failed', reason: NOT_MEDIA }),
      (await readFile(mkv)).subarray(0, 40),
    );
  }
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=1:duration=1', '-frames:v', '1', '-f', 'image2', '-c:v', 'png', add({ name: 'png-image.mp4', contentType: 'video/mp4', what: 'a PNG picture named .mp4', expect: 'failed', reason: /format is not accepted|not a video or audio file/ })]);
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=1:duration=1', '-frames:v', '1', '-f', 'image2', '-c:v', 'mjpeg', add({ name: 'photo.jpg', contentType: 'application/octet-stream', what: 'a JPEG photo (sent as application/octet-stream: image types are refused when the upload is created)', expect: 'failed', reason: /format is not accepted|not a video or audio file/ })]);
  await ffmpeg([...video(64, 64, 1, 10), '-f', 'gif', add({ name: 'animation.gif', contentType: 'application/octet-stream', what: 'an animated GIF (sent as application/octet-stream)', expect: 'failed', reason: /format is not accepted|not a video or audio file/ })]);
  {
    const clip = await makeClip(dir, 'gab2-avi', { name: 'gab2-subtitle.avi' });
    out.push({
      name: 'gab2-subtitle.avi',
      path: clip.path,
      contentType: 'video/x-msvideo',
      what: 'an AVI whose only stream is a GAB2 subtitle carrying an HLS playlist (the 2017 ffmpeg file-read trick)',
      expect: 'failed',
      reason: NOT_MEDIA,
      canaries: clip.canaries,
    });
  }
  {
    const srt = join(dir, '.subs.srt');
    await writeFile(srt, '1\n00:00:00,000 --> 00:00:01,000\nonly words\n\n');
    await ffmpeg(['-i', srt, '-c:s', 'srt', add({ name: 'subtitles-only.mkv', contentType: 'video/x-matroska', what: 'a Matroska file with a subtitle track and nothing else', expect: 'failed', reason: /no video or audio stream/ })]);
  }
  {
    // A 16x16 MJPEG AVI whose headers (AVI stream format and JPEG frame header) claim 20000x20000.
    const avi = add({ name: 'huge-dimensions.avi', contentType: 'video/x-msvideo', what: 'an AVI claiming 12000x12000 pixels (a decoder memory bomb)', expect: 'failed', reason: /12000x12000 pixels; vodkit accepts up to 8192/ });
    await ffmpeg([...video(16, 16, 1, 5), '-c:v', 'mjpeg', '-q:v', '5', avi]);
    await patchHugeMjpegAvi(avi, 12000, 12000);
  }

  {
    // Made from good clips, their frames then damaged by ffmpeg's noise filter: nothing decodes.
    const webm = join(dir, '.good-vp9.webm');
    await ffmpeg([...video(320, 180), '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-b:v', '300k', webm]);
    const damaged = /damaged and cannot be decoded/;
    await ffmpeg(['-i', webm, '-c', 'copy', '-bsf:v', 'noise=amount=2', add({ name: 'damaged-frames.webm', contentType: 'video/webm', what: 'a VP9 WebM whose frames are noise', expect: 'failed', reason: damaged })]);
    await ffmpeg(['-i', good, '-map', '0:v', '-c', 'copy', '-bsf:v', 'noise=amount=2', add({ name: 'damaged-frames.mp4', contentType: 'video/mp4', what: 'an H.264 MP4 whose frames are noise', expect: 'failed', reason: damaged })]);
    await writeFile(
      add({ name: 'noise.ts', contentType: 'video/mp2t', what: 'an MPEG-TS sync byte and noise', expect: 'failed', reason: NOT_MEDIA }),
      Buffer.concat([Buffer.from([0x47]), randomBytes(188 * 200)]),
    );
  }

  // --- odd but playable: these must become ready ------------------------------------------
  const ready = (name: string, what: string, contentType = 'video/mp4') => add({ name, contentType, what, expect: 'ready' });
  // Playable by ffmpeg, but below the ladder's 16-pixel minimum: refused with that reason.
  await ffmpeg([...video(2, 2), ...x264, add({ name: 'tiny-2x2.mp4', contentType: 'video/mp4', what: 'a 2x2 pixel video (below the 16x16 minimum)', expect: 'failed', reason: /too small to use \(2x2\)/ })]);
  await ffmpeg([...video(16, 16), ...x264, ready('one-macroblock-16x16.mp4', 'a 16x16 video')]);
  await ffmpeg([...video(1024, 16), ...x264, ready('sliver-1024x16.mp4', 'a 1024x16 sliver (64:1 aspect ratio)')]);
  {
    const clip = await makeClip(dir, 'odd-size', { seconds: 2, name: 'odd-size-321x241.mp4' });
    out.push({ name: 'odd-size-321x241.mp4', path: clip.path, contentType: 'video/mp4', what: 'an odd-sized 321x241 4:4:4 video', expect: 'ready' });
  }
  await ffmpeg([...video(320, 180, 1, 25), '-frames:v', '1', ...x264, ready('one-frame.mp4', 'a video of a single frame')]);
  await ffmpeg([...video(320, 180), ...tone(), ...x264, '-c:a', 'aac', '-shortest', '-f', 'matroska', ready('mkv-named-mp4.mp4', 'a Matroska file named .mp4')]);
  await ffmpeg([...tone(), '-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3', ready('mp3-named-mp4.mp4', 'an MP3 named .mp4 (audio only)')]);
  await ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=8000:duration=2', '-ac', '1', '-c:a', 'pcm_u8', ready('low-rate-8khz.wav', 'an 8 kHz, 8-bit mono WAV', 'audio/wav')]);
  await ffmpeg([
    ...video(160, 90), ...tone(), ...tone(),
    '-map', '0:v', ...Array.from({ length: 12 }, (_, i) => ['-map', `${1 + (i % 2)}:a`]).flat(),
    ...x264, '-c:a', 'aac', '-b:a', '32k', '-shortest', ready('many-audio-streams.mkv', 'one video and 12 audio streams', 'video/x-matroska'),
  ]);
  await ffmpeg([
    ...video(160, 90), ...video(320, 180),
    ...Array.from({ length: 6 }, (_, i) => ['-map', `${i % 2}:v`]).flat(),
    ...x264, ready('many-video-streams.mkv', 'six video streams of two sizes', 'video/x-matroska'),
  ]);
  {
    // Index first, then cut at 60%: the file announces more than it holds.
    const path = ready('truncated-with-index.mp4', 'an MP4 with its index first, cut at 60%');
    await ffmpeg([...video(320, 180, 4), ...tone(4), ...x264, '-c:a', 'aac', '-shortest', '-movflags', '+faststart', path]);
    await truncate(path, Math.floor((await stat(path)).size * 0.6));
  }
  {
    // Noise over the middle of the media data: the decoder conceals what it cannot read.
    const path = ready('corrupt-middle.ts', 'an MPEG-TS with 16 KiB of noise in the middle', 'video/mp2t');
    await ffmpeg([...video(320, 180, 3), ...tone(3), ...x264, '-c:a', 'aac', '-shortest', '-f', 'mpegts', path]);
    const fh = await open(path, 'r+');
    try {
      const size = (await fh.stat()).size;
      await fh.write(randomBytes(16 * 1024), 0, 16 * 1024, Math.floor(size / 2));
    } finally {
      await fh.close();
    }
  }
  {
    // The container claims about 24 days; the packets last 2 seconds.
    const path = ready('absurd-duration.mp4', 'an MP4 whose headers claim a 24-day duration');
    await writeFile(path, patchMp4Durations(goodBytes));
  }
  await ffmpeg([
    '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=240:duration=2', ...x264, '-r', '240',
    ready('high-frame-rate-240fps.mp4', 'a 240 fps video (capped to 60 in the ladder)'),
  ]);
  return out;
}

/** Sets every mvhd/tkhd/mdhd duration of an MP4 to 0x7fffffff time units. */
function patchMp4Durations(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  for (const box of ['mvhd', 'mdhd', 'tkhd']) {
    let at = copy.indexOf(box);
    while (at >= 0) {
      const version = copy[at + 4];
      if (version === 0) {
        // version(1) flags(3) creation(4) modification(4), then timescale(4) duration(4); tkhd has track id(4) reserved(4) duration(4)
        const offset = box === 'tkhd' ? at + 4 + 4 + 4 + 4 + 4 + 4 : at + 4 + 4 + 4 + 4 + 4;
        copy.writeUInt32BE(0x7fffffff, offset);
      }
      at = copy.indexOf(box, at + 4);
    }
  }
  return copy;
}

/** Rewrites the frame size in an MJPEG AVI: avih, strh frame rectangle, BITMAPINFOHEADER and every JPEG SOF0. */
async function patchHugeMjpegAvi(path: string, width: number, height: number): Promise<void> {
  const b = await readFile(path);
  const avih = b.indexOf('avih');
  if (avih >= 0) {
    b.writeUInt32LE(width, avih + 8 + 32);
    b.writeUInt32LE(height, avih + 8 + 36);
  }
  const strf = b.indexOf('strf');
  if (strf >= 0) {
    b.writeInt32LE(width, strf + 8 + 4);
    b.writeInt32LE(height, strf + 8 + 8);
  }
  for (let at = b.indexOf(Buffer.from([0xff, 0xc0])); at >= 0; at = b.indexOf(Buffer.from([0xff, 0xc0]), at + 2)) {
    b.writeUInt16BE(height, at + 5);
    b.writeUInt16BE(width, at + 7);
  }
  await writeFile(path, b);
}

function ffmpeg(args: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(FFMPEG, ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`ffmpeg ${args.join(' ')} failed: ${err.slice(-1500)}`))));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: node --import tsx scripts/make-bad-corpus.ts <folder>\n');
    process.exit(2);
  }
  const corpus = await makeBadCorpus(resolve(dir));
  for (const item of corpus) process.stdout.write(`${item.expect.padEnd(6)}  ${item.name.padEnd(28)}  ${item.what}\n`);
  process.stdout.write(`${corpus.length} files in ${resolve(dir)}\n`);
}
