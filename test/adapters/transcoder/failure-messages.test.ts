import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainStderr, failureError } from '../../../src/adapters/transcoder/ffmpeg/ffmpeg-errors.ts';
import { FfmpegTranscoder, locateFfmpeg } from '../../../src/adapters/transcoder/ffmpeg/index.ts';
import { NotFoundError, TransientError, UnsupportedMediaError, VodkitError } from '../../../src/core/errors.ts';
import { errorDetail, failedForGood, failureReason } from '../../../src/core/pipeline/failure-reason.ts';
import { withoutServerPaths } from '../../../src/core/server-paths.ts';
import { makeTempDir } from '../../support/temp-dir.ts';

/**
 * What a user reads when a video fails: a sentence, never a path on the server nor ffmpeg's own
 * words; the raw text stays in the error's cause, for the logs.
 */
const DATA = '/srv/vodkit/data';
const SERVER_PATH = /(?<![\w.:/])(file:)?\/[\w.@%+~-]+\//;

describe('ffmpeg failures, as users read them', () => {
  it('turns known stderr lines into sentences, and keeps the raw lines as the cause', () => {
    const stderr = [
      `[hls @ 0x55d0c1a2b3c4] Opening '${DATA}/work/abc-1-42/out/720p/seg_00003.m4s.tmp' for writing`,
      `Error writing trailer of ${DATA}/work/abc-1-42/out/720p/index.m3u8: No space left on device`,
      'av_interleaved_write_frame(): No space left on device',
    ].join('\n');
    const err = failureError('ffmpeg', { code: 1, signal: null, stderr });
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toBe('encoding failed on the server: the server ran out of disk space');
    expect(err.message).not.toMatch(SERVER_PATH);
    expect((err.cause as Error).message).toContain(`${DATA}/work/abc-1-42/out/720p/index.m3u8`);
  });

  it('says what is wrong with the file in words, for each kind of damage', () => {
    const cases: Array<[string, RegExp]> = [
      [`file:${DATA}/objects/sources/abc.mp4: Invalid data found when processing input`, /its data is damaged or in a format vodkit cannot read/],
      ['[matroska,webm @ 0x5581] EBML header parsing failed', /Matroska\/WebM header is damaged/],
      [`file:${DATA}/objects/sources/abc.mkv: End of file`, /ends too early/],
      ['[h264 @ 0x5581] Invalid NAL unit size (1234 > 77).\nError while decoding stream #0:0: Invalid data found when processing input', /damaged and cannot be decoded/],
      // A decoder quoting an errno is still about the file: not "the server was too busy".
      ['[vp9 @ 0x5581] Invalid frame marker\nError while decoding stream #0:0: Resource temporarily unavailable', /damaged and cannot be decoded/],
    ];
    for (const [stderr, sentence] of cases) {
      expect(explainStderr(stderr), stderr).toMatch(sentence);
      const err = failureError('ffmpeg', { code: 1, signal: null, stderr });
      expect(err, stderr).toBeInstanceOf(UnsupportedMediaError);
      expect(err.message, stderr).toMatch(sentence);
      expect(err.message, stderr).not.toMatch(/@ 0x|stream #|Invalid data found|End of file|EBML|NAL|Resource temporarily/);
      expect(err.message, stderr).not.toMatch(SERVER_PATH);
    }
  });

  it('says nothing of lines it does not know, and a killed tool in words', () => {
    const odd = failureError('ffmpeg', { code: 1, signal: null, stderr: `something odd happened to ${DATA}/work/x/y` });
    expect(odd.message).toBe('encoding failed on the server');
    expect((odd.cause as Error).message).toContain('something odd happened');
    expect(failureError('ffprobe', { code: null, signal: 'SIGKILL', stderr: '' }).message).toBe('reading the file was stopped by the system (SIGKILL)');
  });
});

describe('the probe, as users read its refusals', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let transcoder: FfmpegTranscoder;
  beforeAll(async () => {
    temp = await makeTempDir('vodkit-failure-messages-');
    transcoder = new FfmpegTranscoder(await locateFfmpeg({ ffmpegPath: process.env.VODKIT_FFMPEG, ffprobePath: process.env.VODKIT_FFPROBE }));
  });
  afterAll(async () => temp?.cleanup());

  it('does not name the path of a source that is gone', async () => {
    const missing = join(temp.dir, 'objects', 'sources', 'k3j9abcdefgh.mp4');
    const err = await transcoder.probe(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toBe('the uploaded file is no longer on the server');
    expect((err as Error).message).not.toContain(temp.dir);
    expect(errorDetail(err)).toContain(missing);
  });
});

describe('the reason stored on a failed video', () => {
  class Refused extends VodkitError {
    readonly code = 'Refused';
  }

  it('never carries a server path, whatever the error says', () => {
    expect(failureReason(new Refused(`cannot open ${DATA}/objects/sources/abc.mp4 for reading`))).toBe('cannot open a file on the server for reading');
    expect(failureReason(new Refused(`bad file: file:${DATA}/x/y.mp4`))).toBe('bad file: a file on the server');
    expect(failureReason(new Refused(`'${DATA}/work/a/out' is full`))).toBe("'a file on the server' is full");
    // Words and URLs with slashes are not paths.
    for (const text of ['no MP4/MOV index', 'an input/output error', 'see https://example.test/a/b/c', '1/30 s', 'MP4/MOV/MKV']) {
      expect(withoutServerPaths(text)).toBe(text);
    }
  });

  it('says an error that is not vodkit\'s in general terms, keeping it for the logs', () => {
    const raw = Object.assign(new Error(`ENOENT: no such file or directory, rename '${DATA}/work/a.part' -> '${DATA}/work/a'`), { code: 'ENOENT' });
    expect(failureReason(raw)).toBe('an unexpected error happened on the server');
    expect(errorDetail(new TransientError('storage failed', { cause: raw }))).toContain(`${DATA}/work/a.part`);
  });

  it('counts failures caused by the file as final, others as worth another try', () => {
    expect(failedForGood(new UnsupportedMediaError('not a video or audio file'))).toBe(true);
    expect(failedForGood(new NotFoundError('the uploaded file is no longer on the server'))).toBe(true);
    expect(failedForGood(new TransientError('the server ran out of disk space'))).toBe(false);
    expect(failedForGood(new Error('anything else'))).toBe(false);
  });
});
