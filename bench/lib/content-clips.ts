import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { probeInput, type BenchInput } from './bench-media.ts';
import { run } from './timed-run.ts';

/**
 * Short 1080p30 clips whose content sets what a ladder costs, made once into the cache folder
 * (H.264 at CRF 16, close to what was generated):
 * - noise: a moving test pattern under strong temporal grain (the hardest to compress);
 * - slides: still test pictures that change every 3 s (screen recordings, lectures);
 * - motion: the moving test pattern with light grain (what the long benchmark clip holds).
 */
export async function contentClips(cacheDir: string, seconds: number): Promise<BenchInput[]> {
  const sources: Array<[string, string]> = [
    ['noise', `testsrc2=size=1920x1080:rate=30:duration=${seconds},noise=alls=16:allf=t+u`],
    ['slides', `testsrc=size=1920x1080:rate=1/3:duration=${seconds},fps=30,trim=duration=${seconds}`],
    ['motion', `testsrc2=size=1920x1080:rate=30:duration=${seconds},noise=alls=2:allf=t`],
  ];
  const inputs: BenchInput[] = [];
  for (const [name, graph] of sources) {
    const path = join(cacheDir, `content-${name}-1080p30-${seconds}s.mp4`);
    if (!existsSync(path)) {
      await mkdir(cacheDir, { recursive: true });
      const tmp = `${path}.part.mp4`;
      await run('ffmpeg', [
        '-hide_banner', '-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', graph,
        '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '16', '-pix_fmt', 'yuv420p', '-g', '60', '-movflags', '+faststart', tmp,
      ]);
      await rename(tmp, path);
    }
    inputs.push(await probeInput(`${name} ${seconds} s 1080p (generated)`, path));
  }
  return inputs;
}
