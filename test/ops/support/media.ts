import { run } from '../../support/probe.ts';

/** A 1280x720 clip with sound: a ladder of several rungs, so its encode lasts a few seconds. */
export async function makeLongClip(path: string, seconds: number): Promise<string> {
  await run('ffmpeg', [
    '-v', 'error', '-nostdin', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', path,
  ]);
  return path;
}

/** `clip` played `times` times over, in a new file: a long clip in well under a second (a stream copy). */
export async function loopClip(clip: string, times: number, path: string): Promise<string> {
  await run('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-stream_loop', String(times - 1), '-i', clip, '-c', 'copy', path]);
  return path;
}
