import { readdir } from 'node:fs/promises';
import { openFfmpegEncoding } from '../../../src/adapters/transcoder/ffmpeg/ffmpeg-encoding.ts';
import { FfmpegTranscoder, locateFfmpeg } from '../../../src/adapters/transcoder/ffmpeg/ffmpeg-transcoder.ts';
import { contentAnalyzerSuite } from '../../conformance/content-analyzer-suite.ts';

contentAnalyzerSuite('ffmpeg', async ({ sources, workDir }) => {
  const tools = await locateFfmpeg({ ffmpegPath: process.env.VODKIT_FFMPEG, ffprobePath: process.env.VODKIT_FFPROBE });
  const transcoder = new FfmpegTranscoder({ ...tools, preset: 'veryfast', threads: 1 });
  const { analyzer, probe } = await openFfmpegEncoding({ transcoder, sources, media: sources, workDir });
  return {
    analyzer,
    probe,
    async idle() {
      // The source pinned for the probe stays for the encode that follows; nothing else may be left.
      const left = (await readdir(workDir).catch(() => [])).filter((n) => !n.startsWith('source-'));
      if (left.length > 0) throw new Error(`scratch space not emptied: ${left.join(', ')}`);
    },
  };
});
