import { describe, expect, it } from 'vitest';
import { FfmpegTranscoder, locateFfmpeg } from '../../../src/adapters/transcoder/ffmpeg/index.ts';
import { NotFoundError, ToolMissingError, ValidationError } from '../../../src/core/errors.ts';
import { transcoderSuite } from './transcoder-suite.ts';

const paths = { ffmpegPath: process.env.VODKIT_FFMPEG, ffprobePath: process.env.VODKIT_FFPROBE };

transcoderSuite('ffmpeg', async () => new FfmpegTranscoder({ ...(await locateFfmpeg(paths)), threads: 2 }));

describe('FfmpegTranscoder specifics', () => {
  it('locates ffmpeg and ffprobe on the PATH or at the given paths', async () => {
    const found = await locateFfmpeg(paths);
    expect(found.ffmpegPath).toBeTruthy();
    expect(found.ffprobePath).toBeTruthy();
    // On Linux (util-linux's setpriv) ffmpeg is started so that it dies with the server.
    if (process.platform === 'linux') expect(found.launcher).toEqual(['setpriv', '--pdeathsig', 'KILL', '--']);
  });

  it('says how to install ffmpeg when it is missing', async () => {
    const err = await locateFfmpeg({ ffmpegPath: '/nonexistent/ffmpeg', ffprobePath: paths.ffprobePath }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolMissingError);
    expect((err as Error).message).toMatch(/apt-get install ffmpeg.*brew install ffmpeg.*VODKIT_FFMPEG and VODKIT_FFPROBE/);
    await expect(locateFfmpeg({ ffprobePath: '/nonexistent/ffprobe' })).rejects.toBeInstanceOf(ToolMissingError);
  });

  it('reports a missing source file as not found', async () => {
    const t = new FfmpegTranscoder(await locateFfmpeg(paths));
    await expect(t.probe('/nonexistent/source.mp4')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('checks its options', () => {
    expect(() => new FfmpegTranscoder({ ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', preset: 'fast; rm' })).toThrow(ValidationError);
    expect(() => new FfmpegTranscoder({ ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', threads: 0 })).toThrow(ValidationError);
  });
});
