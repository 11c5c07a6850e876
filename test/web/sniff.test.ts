import { open, readdir, stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { realMedia, realMediaAvailable, realMediaDir } from '../support/real-media.ts';
import { SNIFF_BYTES, sniffBytes } from '../../src/web/upload/sniff.ts';
import { makeMxf } from '../support/mxf.ts';
import { makeTempDir } from '../support/temp-dir.ts';

const haveMedia = realMediaAvailable();

async function head(path: string): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await file.read(buffer, 0, SNIFF_BYTES, 0);
    return new Uint8Array(buffer.subarray(0, bytesRead));
  } finally {
    await file.close();
  }
}

const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));

describe('sniffing a file before upload', () => {
  it.runIf(haveMedia)('accepts every real video and audio file of the corpus that has content', async () => {
    const names = (await readdir(realMediaDir)).filter((n) => !n.endsWith('.md'));
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      const path = realMedia(name);
      const result = sniffBytes(name, '', await head(path));
      if ((await stat(path)).size < 16) {
        expect(result.ok, name).toBe(false);
      } else {
        expect(result, name).toEqual({ ok: true, format: expect.any(String) });
      }
    }
  });

  it('names what a non-media file is', () => {
    expect(sniffBytes('holiday.mp4', 'video/mp4', bytes('89504e470d0a1a0a0000000d49484452'))).toEqual({
      ok: false,
      reason: 'This is a PNG image, not a video or audio file.',
    });
    expect(sniffBytes('scan.mov', '', bytes('255044462d312e370a'))).toMatchObject({ ok: false, reason: expect.stringMatching(/PDF/) });
    expect(sniffBytes('playlist.mp4', '', new TextEncoder().encode('#EXTM3U\n#EXT-X-VERSION:3\n'))).toMatchObject({ ok: false, reason: expect.stringMatching(/playlist/) });
  });

  it('refuses text and unknown bytes with a reason', () => {
    expect(sniffBytes('notes.txt', 'text/plain', new TextEncoder().encode('Good morning'))).toMatchObject({ ok: false, reason: expect.stringMatching(/\.txt file/) });
    expect(sniffBytes('notes.mp4', 'video/mp4', new TextEncoder().encode('Good morning, this is text'))).toMatchObject({ ok: false, reason: expect.stringMatching(/text file/) });
    expect(sniffBytes('noise.mkv', '', bytes('0102030405060708090a0b0c0d0e0f10'))).toMatchObject({ ok: false, reason: expect.stringMatching(/not a format vodkit recognises/) });
    expect(sniffBytes('empty.mp4', 'video/mp4', new Uint8Array(0))).toEqual({ ok: false, reason: 'The file is empty.' });
    // A "G" at the start is not enough for a transport stream.
    expect(sniffBytes('g.ts', '', new TextEncoder().encode('Good morning'))).toMatchObject({ ok: false });
  });

  it('recognises common containers by their magic numbers', () => {
    const cases: Array<[string, string]> = [
      ['a.mp4', '0000001c667479706d703432'],
      ['a.webm', '1a45dfa3010000000000001f'],
      ['a.avi', '52494646000000004156492000000000'],
      ['a.ogg', '4f676753000200000000'],
      ['a.flac', '664c614300000022'],
      ['a.mp3', '494433030000'],
      ['a.mp3', 'fffb9064'],
      ['a.aac', 'fff15080'],
      ['a.flv', '464c5601050000000900'],
      ['a.mpg', '000001ba4400040004'],
    ];
    for (const [name, hex] of cases) expect(sniffBytes(name, '', bytes(hex)).ok, name).toBe(true);
  });

  it('accepts an MXF file made by ffmpeg, whatever type the browser declares', async () => {
    const temp = await makeTempDir('vodkit-sniff-');
    try {
      const first = await head(await makeMxf(temp.dir));
      for (const type of ['application/mxf', 'application/octet-stream', '']) {
        expect(sniffBytes('camera.mxf', type, first), type).toEqual({ ok: true, format: 'MXF' });
      }
    } finally {
      await temp.cleanup();
    }
  });

  it('media bytes are not refused for the type the system guessed (a .ts video called a Qt translation file)', () => {
    const ts = new Uint8Array(376);
    ts[0] = 0x47;
    ts[188] = 0x47;
    expect(sniffBytes('recording.ts', 'text/vnd.trolltech.linguist', ts)).toEqual({ ok: true, format: 'MPEG transport stream' });
  });

  it('refuses media bytes under a name that says otherwise', () => {
    expect(sniffBytes('photo.png', 'image/png', bytes('0000001c667479706d703432'))).toMatchObject({ ok: false, reason: expect.stringMatching(/\.png file/) });
  });
});
