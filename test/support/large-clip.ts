import { join } from 'node:path';
import { ffmpeg } from './clips.ts';

/**
 * A real clip large enough for a multipart upload: lossless H.264 of noisy test pictures (about
 * 8.5 MB a second at 568x320), with a tone. Two seconds make four parts of 5 MiB.
 */
export async function makeLargeClip(dir: string, seconds = 2, name = 'large.mp4'): Promise<string> {
  const path = join(dir, name);
  await ffmpeg([
    '-f', 'lavfi', '-i', `testsrc2=size=568x320:rate=30:duration=${seconds},noise=alls=30:allf=t`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', path,
  ]);
  return path;
}
