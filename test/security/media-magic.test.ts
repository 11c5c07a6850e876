import { spawn } from 'node:child_process';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSourceHead, looksLikeText, SOURCE_HEAD_BYTES } from '../../src/core/access/media-magic.ts';
import { realMediaAvailable, realMediaDir } from '../support/real-media.ts';
import { makeTempDir } from '../support/temp-dir.ts';

/** The cheap first-bytes check: text that would make a media tool open other files is refused; media passes. */
const text = (s: string) => new TextEncoder().encode(s);

describe('checkSourceHead: refused inputs', () => {
  const refused: Array<[string, Uint8Array, RegExp]> = [
    ['HLS playlist', text('#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nhttp://127.0.0.1:9/x.ts\n#EXT-X-ENDLIST\n'), /HLS playlist/],
    ['HLS playlist with BOM and blank lines', text('\uFEFF\n\n  #EXTM3U\nfile:///etc/passwd\n'), /HLS playlist/],
    ['ffconcat list', text("ffconcat version 1.0\nfile '/etc/passwd'\n"), /ffconcat/],
    ['concat protocol line', text('concat:/etc/passwd|/etc/hosts\n'), /file names or URLs/],
    ['plain file list', text("file '/etc/passwd'\n"), /file names or URLs/],
    ['URL', text('http://127.0.0.1:9/secret\n'), /file names or URLs/],
    ['DASH manifest', text('<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"></MPD>'), /XML/],
    ['bare MPD', text('<MPD mediaPresentationDuration="PT1S"></MPD>'), /XML/],
    ['SDP', text('v=0\no=- 0 0 IN IP4 127.0.0.1\nc=IN IP4 127.0.0.1\nm=video 5004 RTP/AVP 96\n'), /SDP/],
    ['HTML', text('<!DOCTYPE html><html><body>hi</body></html>'), /web page/],
    ['JSON', text('{"streams": []}'), /JSON/],
    ['plain text', text('CORRUPT FILE\n'), /text file/],
    ['UTF-8 text cut inside a character', text('é'.repeat(300)).subarray(0, 511), /text file/],
    ['empty', new Uint8Array(0), /empty/],
  ];
  for (const [name, bytes, reason] of refused) {
    it(`${name} → refused (${reason.source})`, () => {
      const verdict = checkSourceHead(bytes);
      expect(verdict.ok).toBe(false);
      expect(verdict.reason).toMatch(/^not a video or audio file: /);
      expect(verdict.reason).toMatch(reason);
    });
  }
});

describe('checkSourceHead: accepted inputs', () => {
  const hex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s/g, ''), 'hex'));
  const accepted: Array<[string, Uint8Array]> = [
    ['MP4 ftyp', hex('00000018 66747970 6d703432 00000000 69736f6d 6d703432')],
    ['Matroska', hex('1a45dfa3 a3428681 0142f781')],
    ['AVI', Uint8Array.from([...text('RIFF'), 1, 2, 0, 0, ...text('AVI LIST')])],
    ['MPEG-TS', hex('47401110 0042f025 0001c100')],
    ['MP3 with ID3', hex('49443303 00000002 3468')],
    ['MP3 frame sync', hex('fffb9064 00000000')],
    ['ADTS AAC', hex('fff15080 2e7ffc21')],
    ['FLV', hex('464c5601 05000000 09')],
    ['AMR', Uint8Array.from([...text('#!AMR\n'), 0x3c, 0x91, 0x17, 0x16])],
    ['Ogg', Uint8Array.from([...text('OggS'), 0, 2, 0, 0])],
    ['H.264 Annex B', hex('00000001 6742c01e')],
  ];
  for (const [name, bytes] of accepted) {
    it(`${name} → accepted`, () => {
      expect(checkSourceHead(bytes)).toEqual({ ok: true, reason: null });
    });
  }

  it('looksLikeText: control bytes and invalid UTF-8 are binary', () => {
    expect(looksLikeText(text('hello\tworld\r\n'))).toBe(true);
    expect(looksLikeText(Uint8Array.from([0x68, 0x00]))).toBe(false);
    expect(looksLikeText(Uint8Array.from([0xc0, 0xaf]))).toBe(false); // overlong '/'
    expect(looksLikeText(Uint8Array.from([0xff]))).toBe(false);
    expect(looksLikeText(Uint8Array.from([0xe2, 0x28, 0xa1]))).toBe(false);
  });
});

describe('checkSourceHead on real files', () => {
  let scratch: { dir: string; cleanup: () => Promise<void> };
  const made: string[] = [];
  // One frame or a tenth of a second each, in the containers vodkit accepts.
  const outputs: Array<[string, string[]]> = [
    ['a.mp4', ['-c:v', 'mpeg4']],
    ['a.mov', ['-c:v', 'mjpeg']],
    ['a.mkv', ['-c:v', 'mpeg4']],
    ['a.avi', ['-c:v', 'mjpeg']],
    ['a.ts', ['-c:v', 'mpeg2video']],
    ['a.mpg', ['-c:v', 'mpeg1video']],
    ['a.flv', ['-c:v', 'flv']],
    ['a.nut', ['-c:v', 'mpeg4']],
    ['a.wav', ['-vn', '-c:a', 'pcm_s16le']],
    ['a.flac', ['-vn', '-c:a', 'flac']],
    ['a.aiff', ['-vn', '-c:a', 'pcm_s16be']],
    ['a.ac3', ['-vn', '-c:a', 'ac3']],
    ['a.mp2', ['-vn', '-c:a', 'mp2']],
  ];

  beforeAll(async () => {
    scratch = await makeTempDir('vodkit-magic-');
    for (const [name, codec] of outputs) {
      const path = join(scratch.dir, name);
      const code = await run('ffmpeg', [
        '-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10:duration=0.2',
        '-f', 'lavfi', '-i', 'sine=duration=0.2:sample_rate=48000', '-shortest', ...codec, '-y', path,
      ]);
      if (code === 0) made.push(path);
    }
  });
  afterAll(async () => {
    await scratch?.cleanup();
  });

  it('files made by ffmpeg in every common container pass', async () => {
    expect(made.length).toBeGreaterThanOrEqual(10);
    for (const path of made) expect(checkSourceHead(await head(path)), path).toEqual({ ok: true, reason: null });
  });

  it.runIf(realMediaAvailable())('the real-media corpus: media passes, the text file does not', async () => {
    for (const name of await readdir(realMediaDir)) {
      if (name.endsWith('.md')) continue;
      const verdict = checkSourceHead(await head(join(realMediaDir, name)));
      if (name === 'thumbor_corrupt2.mp4') expect(verdict.ok, name).toBe(false); // the text "CORRUPT"
      else if (name === 'thumbor_corrupt.mp4') expect(verdict.reason, name).toMatch(/empty/); // 0 bytes
      else expect(verdict.ok, name).toBe(true);
    }
  });
});

async function head(path: string): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(SOURCE_HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function run(cmd: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'ignore' });
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code));
  });
}
