import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTranscodeArgs, stillsFromKeyframes } from '../../../src/adapters/transcoder/ffmpeg/ffmpeg-args.ts';
import { openTranscoder } from '../../../src/config/build-adapters.ts';
import { loadConfig } from '../../../src/config/config.ts';
import { planLadder } from '../../../src/core/ladder/plan-ladder.ts';
import type { LadderPlan } from '../../../src/core/model/ladder-plan.ts';
import type { MediaInfo } from '../../../src/core/model/media-info.ts';
import { ffmpeg } from '../../support/clips.ts';
import { makeTempDir } from '../../support/temp-dir.ts';

const run = promisify(execFile);

/**
 * The rest part of a split ladder makes the stills and no rung: from a source whose keyframes are
 * close together it decodes the keyframes alone. Its poster is then the keyframe at the poster's
 * time (the same picture as from every frame decoded), and its storyboard has every tile, the last
 * ones included.
 */
describe('stills from keyframes alone', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let transcoder: Awaited<ReturnType<typeof openTranscoder>>;
  const clips: Record<string, { path: string; media: MediaInfo; plan: LadderPlan }> = {};

  /** The stills of the plan and no rung (as in the rest part). */
  const stillsOnly = (plan: LadderPlan): LadderPlan => ({ ...plan, audio: null, video: { ...plan.video!, rungs: [] } });

  beforeAll(async () => {
    tmp = await makeTempDir('vodkit-keyframe-stills-');
    transcoder = await openTranscoder(loadConfig({}, { dataDir: tmp.dir }));
    for (const [name, gop] of [['close', 30], ['far', 150]] as const) {
      const path = join(tmp.dir, `${name}.mp4`);
      await ffmpeg([
        '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=21',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '26', '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-pix_fmt', 'yuv420p', path,
      ]);
      const media = await transcoder.probe(path);
      clips[name] = { path, media, plan: planLadder(media, { segmentSeconds: 2 }) };
    }
  }, 120_000);

  afterAll(async () => {
    await tmp?.cleanup();
  });

  it('is chosen only for stills without rungs from keyframes at most 2 s and one tile apart', () => {
    const { close, far } = clips;
    expect(close.media.video?.maxKeyframeIntervalSec).toBeCloseTo(1, 1);
    expect(stillsFromKeyframes(stillsOnly(close.plan), close.media)).toEqual({ holdSec: close.media.video!.maxKeyframeIntervalSec });
    expect(stillsFromKeyframes(close.plan, close.media)).toBeNull(); // rungs: every frame is decoded anyway
    expect(stillsFromKeyframes(stillsOnly(far.plan), far.media)).toBeNull(); // 5 s apart
    const plan = stillsOnly(close.plan);
    const input = { inputPath: close.path, outputDir: tmp.dir, media: close.media, preset: 'veryfast', zscale: false };
    expect(buildTranscodeArgs({ ...input, plan })).toContain('-skip_frame');
    expect(buildTranscodeArgs({ ...input, plan: close.plan })).not.toContain('-skip_frame');
  });

  it('makes the same poster as a full decode and a storyboard with every tile', async () => {
    const { path, media, plan } = clips.close;
    const outputs: Record<string, string> = {};
    for (const [name, p] of [['keyframes', stillsOnly(plan)], ['every-frame', { ...plan, audio: null }]] as const) {
      const outputDir = join(tmp.dir, name);
      for (const r of plan.video!.rungs) await mkdir(join(outputDir, r.name), { recursive: true });
      const result = await transcoder.transcode({ inputPath: path, outputDir, media, plan: p, master: false });
      expect(result.poster && result.thumbnail && result.storyboard).toBeTruthy();
      outputs[name] = outputDir;
    }
    // The poster's time (1 s) is a keyframe's: the same picture either way.
    const { stderr } = await run('ffmpeg', [
      '-hide_banner', '-nostdin', '-i', join(outputs.keyframes, 'poster.jpg'), '-i', join(outputs['every-frame'], 'poster.jpg'),
      '-lavfi', 'ssim', '-f', 'null', '-',
    ]);
    expect(Number(/All:([\d.]+)/.exec(stderr)?.[1])).toBeGreaterThan(0.99);

    // Every tile of the sheet holds a picture (a tile left blank is black).
    const sb = plan.storyboard!;
    expect(sb.count).toBeGreaterThan(10);
    const sheet = join(outputs.keyframes, 'storyboard', 'storyboard.jpg');
    for (const i of [0, Math.floor(sb.count / 2), sb.count - 1]) {
      const x = (i % sb.columns) * sb.tileWidth;
      const y = Math.floor(i / sb.columns) * sb.tileHeight;
      const { stdout } = await run('ffprobe', [
        '-v', 'error', '-f', 'lavfi', '-i', `movie=${sheet},crop=${sb.tileWidth}:${sb.tileHeight}:${x}:${y},signalstats`,
        '-show_entries', 'frame_tags=lavfi.signalstats.YAVG', '-of', 'csv=p=0',
      ]);
      expect(Number(stdout.trim()), `tile ${i}`).toBeGreaterThan(40);
    }
  });
});
