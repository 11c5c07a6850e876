import { mkdir, readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { openTranscoder } from '../config/build-adapters.ts';
import { loadConfig } from '../config/config.ts';
import { planLadder } from '../core/ladder/plan-ladder.ts';
import { ValidationError } from '../core/errors.ts';
import { checkMediaLimits } from '../core/pipeline/job-limits.ts';
import { dataDirOption } from './options.ts';
import { ProgressBar } from './progress-bar.ts';

export function registerTranscodeCommand(program: Command): void {
  program
    .command('transcode <input> <outdir>')
    .description('encode a file to an HLS ladder (master.m3u8, renditions, poster, thumbnail) in outdir, without a server')
    .addOption(dataDirOption())
    .option('--segment-seconds <n>', 'HLS segment length (env VODKIT_SEGMENT_SECONDS, default 4)')
    .action(async (input: string, outdir: string, opts) => {
      const config = loadConfig(process.env, { dataDir: opts.dataDir, segmentSeconds: opts.segmentSeconds });
      const transcoder = await openTranscoder(config);
      const out = resolve(outdir);
      await mkdir(out, { recursive: true });
      if ((await readdir(out)).length > 0) throw new ValidationError(`${out} is not empty`);
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      const media = await transcoder.probe(resolve(input), abort.signal);
      checkMediaLimits(media);
      const plan = planLadder(media, { segmentSeconds: config.segmentSeconds });
      const rungs = plan.video?.rungs.map((r) => `${r.name} ${r.width}x${r.height}`).join(', ') ?? 'audio only';
      process.stderr.write(`${input}: ${media.durationSec.toFixed(1)} s → ${rungs}\n`);
      const bar = new ProgressBar(process.stderr);
      const started = Date.now();
      const result = await transcoder.transcode({
        inputPath: resolve(input),
        outputDir: out,
        media,
        plan,
        signal: abort.signal,
        onProgress: (f) => bar.update(f),
      });
      bar.done();
      const secs = (Date.now() - started) / 1000;
      process.stderr.write(`done in ${secs.toFixed(1)} s (${(media.durationSec / secs).toFixed(2)}x realtime)\n`);
      if (result.masterPlaylist) process.stdout.write(`${resolve(out, result.masterPlaylist)}\n`);
    });
}
