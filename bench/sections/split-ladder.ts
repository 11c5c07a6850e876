import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { buildTranscodeArgs, THUMBNAIL_FILE, type TranscodeArgsInput } from '../../src/adapters/transcoder/ffmpeg/ffmpeg-args.ts';
import { chunkPlaylistFile, planChunks } from '../../src/core/ladder/plan-chunks.ts';
import { planLadder } from '../../src/core/ladder/plan-ladder.ts';
import type { LadderPlan } from '../../src/core/model/ladder-plan.ts';
import type { ChunkSpec } from '../../src/core/ports/encode-backend.ts';
import { stitchedPlaylist } from '../../src/core/pipeline/stitch-ladder.ts';
import { parseMediaPlaylist } from '../../src/core/playlists/media-playlist.ts';
import type { BenchInput } from '../lib/bench-media.ts';
import { run, timedRun, type Timed } from '../lib/timed-run.ts';

/**
 * Split-and-stitch ladders, on one input: the ladder encoded whole (one ffmpeg run, as the `ladder`
 * job makes it), then split (VODKIT_CHUNK_SECONDS) into the runs the `ladder-part` jobs make (one
 * per chunk of the video rungs, one for the audio and stills), taken one at a time by each of W
 * workers: W = 1 and W = 2. A worker here is a lane that runs the parts' ffmpeg processes one after
 * the other, as a vodkit worker with one ladder slot does; the queue, the publishing and node are
 * not timed. Measured: wall time (first start to last end) and CPU of every run summed. Checked:
 * the stitched top rung (core's stitchedPlaylist over the chunks' playlists) has the unsplit
 * encode's frame count, segment durations and pictures (SSIM).
 */
export interface SplitRow {
  label: string;
  durationSec: number;
  chunkSeconds: number;
  chunks: number;
  whole: Timed;
  workers: WorkersRun[];
  /**
   * The CPU overhead measured side by side: the whole encode and the split one (its parts one after
   * the other) run at the same time, each pinned to a core of its own, then again with the cores
   * swapped. Runs minutes apart meet a different machine (a neighbour on the host, the clock speed:
   * the same whole encode's CPU varied 7.8 % between two runs 20 minutes apart); runs side by side
   * meet the same one, and the swap cancels what one core has that the other has not. Empty on a
   * one-core machine.
   */
  sideBySide: SideBySidePair[];
  topRung: string;
  frames: { whole: number; split: number; expected: number };
  durationsMatch: boolean;
  ssim: number;
}

export interface WorkersRun {
  workers: number;
  ownCore: boolean;
  wallSec: number;
  cpuSec: number;
  restCpuSec: number;
}

export interface SideBySidePair {
  wholeCore: number;
  splitCore: number;
  whole: Timed;
  split: WorkersRun;
}

export async function benchSplitLadder(
  input: BenchInput,
  options: { workDir: string; preset: string; segmentSeconds: number; chunkSeconds: number },
): Promise<SplitRow | null> {
  const media = input.media;
  if (!media?.video) return null;
  const plan = planLadder(media, { segmentSeconds: options.segmentSeconds });
  const decision = planChunks(plan, media, { chunkSeconds: options.chunkSeconds, encrypted: false, download: false });
  if (!plan.video || !decision.split) return null;
  const root = join(options.workDir, 'split-ladder');
  await rm(root, { recursive: true, force: true });
  const base = (outputDir: string, p: LadderPlan, chunk?: ChunkSpec): TranscodeArgsInput => ({
    inputPath: resolve(input.path), outputDir, media, plan: p, preset: options.preset, zscale: false, progressive: !chunk, chunk,
  });
  const prepare = async (dir: string) => {
    for (const r of plan.video!.rungs) await mkdir(join(dir, r.name), { recursive: true });
    await mkdir(join(dir, 'audio'), { recursive: true });
    await mkdir(join(dir, THUMBNAIL_FILE.split('/')[0]), { recursive: true });
    await mkdir(join(dir, 'storyboard'), { recursive: true });
  };

  /** The ladder encoded whole by one ffmpeg run, into `dir` (pinned to `core` when given). */
  const runWhole = async (dir: string, core?: number): Promise<Timed> => {
    await prepare(dir);
    const args = buildTranscodeArgs(base(dir, plan));
    return core === undefined ? timedRun('ffmpeg', args) : timedRun('taskset', ['-c', String(core), 'ffmpeg', ...args]);
  };
  const wholeDir = join(root, 'whole');
  const whole = await runWhole(wholeDir);

  // The parts, as the ffmpeg encode backend runs them (partPlan): chunks first, the rest last.
  const chunkPlan: LadderPlan = { ...plan, audio: null, poster: null, thumbnail: null, storyboard: null };
  const restPlan: LadderPlan = { ...plan, video: { ...plan.video, rungs: [] } };
  const workers: WorkersRun[] = [];
  /**
   * The parts taken by `count` workers, each running one at a time; when `cores` is given, worker i
   * is pinned to cores[i].
   */
  const runSplit = async (count: number, cores: number[] | null, dir: string): Promise<WorkersRun> => {
    await prepare(dir);
    const parts = [...decision.chunks.map((c) => buildTranscodeArgs(base(dir, chunkPlan, c))), buildTranscodeArgs(base(dir, restPlan))];
    let next = 0;
    const cpu: number[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: count }, async (_, worker) => {
        while (next < parts.length) {
          const index = next++;
          const timed = cores ? timedRun('taskset', ['-c', String(cores[worker]), 'ffmpeg', ...parts[index]]) : timedRun('ffmpeg', parts[index]);
          cpu[index] = (await timed).cpuSec;
        }
      }),
    );
    return { workers: count, ownCore: cores !== null, wallSec: (performance.now() - started) / 1000, cpuSec: cpu.reduce((a, b) => a + b, 0), restCpuSec: cpu[cpu.length - 1] };
  };
  let splitDir = '';
  // Shared: W workers on the machine's cores. Own core: worker i pinned to core i (taskset), as W
  // one-core machines; with one core only, that comparison is left out.
  const runs: Array<{ count: number; ownCore: boolean }> = [
    { count: 1, ownCore: false },
    { count: 2, ownCore: false },
    ...(cpus().length >= 2 ? [{ count: 1, ownCore: true }, { count: 2, ownCore: true }] : []),
  ];
  for (const { count, ownCore } of runs) {
    const keep = count === 2 && !ownCore;
    const dir = join(root, `split-${count}${ownCore ? '-own-core' : ''}`);
    if (keep) splitDir = dir;
    workers.push(await runSplit(count, ownCore ? Array.from({ length: count }, (_, i) => i) : null, dir));
    if (!keep) await rm(dir, { recursive: true, force: true });
  }
  // The overhead side by side: the whole encode on one core while the split one runs on the other,
  // then the cores swapped.
  const sideBySide: SideBySidePair[] = [];
  if (cpus().length >= 2) {
    for (const [wholeCore, splitCore] of [[0, 1], [1, 0]]) {
      const dir = join(root, 'side-by-side');
      const [w, sp] = await Promise.all([runWhole(join(dir, 'whole'), wholeCore), runSplit(1, [splitCore], join(dir, 'split'))]);
      sideBySide.push({ wholeCore, splitCore, whole: w, split: sp });
      await rm(dir, { recursive: true, force: true });
    }
  }

  // The top rung stitched (as the last part does it) and compared with the whole encode's.
  const top = plan.video.rungs[0].name;
  const playlists = [];
  const inits = [];
  for (const c of decision.chunks) {
    const info = parseMediaPlaylist(await readFile(join(splitDir, top, chunkPlaylistFile(c.index)), 'utf8'));
    playlists.push(info);
    inits.push(await readFile(join(splitDir, top, info.mapUri!)));
  }
  const stitched = parseMediaPlaylist(stitchedPlaylist(playlists, inits));
  await writeFile(join(splitDir, top, 'index.m3u8'), stitchedPlaylist(playlists, inits));
  const reference = parseMediaPlaylist(await readFile(join(wholeDir, top, 'index.m3u8'), 'utf8'));
  const durationsMatch =
    stitched.segments.length === reference.segments.length && stitched.segments.every((s, i) => Math.abs(s.duration - reference.segments[i].duration) < 1e-3);
  const splitFile = join(root, 'split-top.mp4');
  const wholeFile = join(root, 'whole-top.mp4');
  await run('ffmpeg', ['-v', 'error', '-y', '-i', join(splitDir, top, 'index.m3u8'), '-c', 'copy', splitFile]);
  await run('ffmpeg', ['-v', 'error', '-y', '-i', join(wholeDir, top, 'index.m3u8'), '-c', 'copy', wholeFile]);
  const count = async (path: string) => Number((await run('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', path])).trim());
  const ssimOut = await ssimOf(splitFile, wholeFile);
  const row: SplitRow = {
    label: input.label,
    durationSec: media.durationSec,
    chunkSeconds: decision.chunkSeconds,
    chunks: decision.chunks.length,
    whole,
    workers,
    sideBySide,
    topRung: top,
    frames: { whole: await count(wholeFile), split: await count(splitFile), expected: Math.round(media.durationSec * plan.video.fps) },
    durationsMatch,
    ssim: ssimOut,
  };
  await rm(root, { recursive: true, force: true });
  return row;
}

async function ssimOf(a: string, b: string): Promise<number> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolvePromise, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-i', a, '-i', b, '-lavfi', '[0:v][1:v]ssim', '-f', 'null', '-'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
    child.once('error', reject);
    child.once('close', () => {
      const m = /All:([0-9.]+)/.exec(err);
      if (m) resolvePromise(Number(m[1]));
      else reject(new Error(`ssim failed: ${err.slice(-500)}`));
    });
  });
}

/**
 * The CPU overhead of splitting, as a fraction. Side by side (two cores or more): the geometric mean
 * of the pairs' split / whole CPU, so that a core's own speed, which enters one pair's ratio and the
 * inverse of the other's, cancels; each pair's own figure for the spread. One core: the split encode
 * with 1 worker against the whole one, run one after the other.
 */
export function splitOverhead(row: Pick<SplitRow, 'whole' | 'workers' | 'sideBySide'>): { overhead: number; pairs: number[] } {
  if (row.sideBySide.length > 0) {
    const ratios = row.sideBySide.map((p) => p.split.cpuSec / p.whole.cpuSec);
    const mean = Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length);
    return { overhead: mean - 1, pairs: ratios.map((r) => r - 1) };
  }
  const one = row.workers.find((w) => w.workers === 1 && !w.ownCore)!;
  const ratio = one.cpuSec / row.whole.cpuSec;
  return { overhead: ratio - 1, pairs: [ratio - 1] };
}

/** The section's table: wall time ratios (1 vs 2 workers), CPU overhead of splitting, and the checks. */
export function splitTable(row: SplitRow): string {
  const find = (count: number, ownCore: boolean) => row.workers.find((w) => w.workers === count && w.ownCore === ownCore);
  const one = find(1, false)!;
  const f = (x: number) => x.toFixed(1);
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const line = (name: string, w: WorkersRun, ref: WorkersRun) =>
    `| ${name} | ${f(w.wallSec)} | ${f(w.cpuSec)} | ${(w.wallSec / ref.wallSec).toFixed(2)} × | ${(w.cpuSec / row.whole.cpuSec).toFixed(3)} × |`;
  const ownOne = find(1, true);
  const ownTwo = find(2, true);
  const { overhead, pairs } = splitOverhead(row);
  return [
    `| run | wall s | CPU s | wall vs 1 worker | CPU vs whole |`,
    `|---|---:|---:|---:|---:|`,
    `| whole (one ffmpeg) | ${f(row.whole.wallSec)} | ${f(row.whole.cpuSec)} | ${(row.whole.wallSec / one.wallSec).toFixed(2)} × | 1.00 × |`,
    line('split, 1 worker', one, one),
    line('split, 2 workers', find(2, false)!, one),
    ...(ownOne && ownTwo ? [line('split, 1 worker on a core of its own', ownOne, ownOne), line('split, 2 workers on a core each', ownTwo, ownOne)] : []),
    ...row.sideBySide.flatMap((p) => [
      `| side by side: whole on core ${p.wholeCore} | ${f(p.whole.wallSec)} | ${f(p.whole.cpuSec)} | – | 1.00 × |`,
      `| side by side: split, 1 worker on core ${p.splitCore} | ${f(p.split.wallSec)} | ${f(p.split.cpuSec)} | – | ${(p.split.cpuSec / p.whole.cpuSec).toFixed(3)} × |`,
    ]),
    '',
    `${row.label}: ${row.chunks} chunks of ${row.chunkSeconds} s and the rest (audio, stills). CPU overhead of splitting (1 worker` +
      (row.sideBySide.length > 0
        ? `; the whole and the split encode side by side on a core each, then swapped, geometric mean of the pairs): ${pct(overhead)} (target under 5 %; each pair alone: ${pairs.map(pct).join(', ')}; ` +
          `the whole and the split encode one after the other, sharing the cores: ${pct(one.cpuSec / row.whole.cpuSec - 1)})`
        : `, the whole and the split encode one after the other): ${pct(overhead)} (target under 5 %)`) +
      `; the rest alone (audio and stills) ${f(one.restCpuSec)} CPU s, ${((one.restCpuSec / row.whole.cpuSec) * 100).toFixed(1)} % of the whole encode. ` +
      (ownOne && ownTwo ? `Two workers on a core each finish in ${(ownTwo.wallSec / ownOne.wallSec).toFixed(2)} × the time of one (target about 1/2). ` : 'One core only: the own-core comparison was left out. ') +
      `Stitched ${row.topRung}: ${row.frames.split} frames (whole encode ${row.frames.whole}, expected ${row.frames.expected}), ` +
      `segment durations ${row.durationsMatch ? 'equal to' : 'DIFFERENT from'} the whole encode's, SSIM against it ${row.ssim.toFixed(4)}.`,
  ].join('\n');
}
