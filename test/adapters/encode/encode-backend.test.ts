import { readdir } from 'node:fs/promises';
import { openFfmpegEncoding } from '../../../src/adapters/transcoder/ffmpeg/ffmpeg-encoding.ts';
import { FfmpegTranscoder, locateFfmpeg } from '../../../src/adapters/transcoder/ffmpeg/ffmpeg-transcoder.ts';
import { encodeBackendSuite, type EncodeSeamContext } from '../../conformance/encode-backend-suite.ts';
import { EventualEncodeBackend } from '../../support/eventual-encode-backend.ts';

async function ffmpegSeam(ctx: EncodeSeamContext) {
  const tools = await locateFfmpeg({ ffmpegPath: process.env.VODKIT_FFMPEG, ffprobePath: process.env.VODKIT_FFPROBE });
  const transcoder = new FfmpegTranscoder({ ...tools, preset: 'ultrafast', threads: 1 });
  const { backend, probe } = await openFfmpegEncoding({ transcoder, sources: ctx.sources, media: ctx.media, workDir: ctx.workDir });
  return {
    backend,
    probe,
    async idle() {
      // The backend owns its scratch space and leaves nothing in it once an encode is over, but the
      // source a first playable output was made from (kept for the ladder that follows).
      const left = (await readdir(ctx.workDir).catch(() => [])).filter((name) => !name.startsWith('source-'));
      if (left.length > 0) throw new Error(`scratch space not emptied: ${left.join(', ')}`);
    },
  };
}

encodeBackendSuite('ffmpeg (in process)', async (ctx) => {
  const seam = await ffmpegSeam(ctx);
  return { backend: seam.backend, probe: seam.probe, settled: seam.idle, close: async () => {} };
});

encodeBackendSuite('asynchronous (completes by event, sometimes twice, sometimes late)', async (ctx) => {
  const seam = await ffmpegSeam(ctx);
  const backend = new EventualEncodeBackend(seam.backend, ctx.finish);
  return {
    backend,
    probe: seam.probe,
    settled: async () => {
      await backend.settled();
      await seam.idle();
    },
    close: () => backend.settled(),
  };
});
