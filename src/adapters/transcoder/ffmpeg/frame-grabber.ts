import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnsupportedMediaError, ValidationError } from '../../../core/errors.ts';
import type { FrameGrabber, FrameGrabRequest } from '../../../core/ports/frame-grabber.ts';
import { explainStderr, failureError } from './ffmpeg-errors.ts';
import { safeInputArgs } from './demuxers.ts';
import type { FfmpegPaths } from './locate-ffmpeg.ts';
import { runProcess } from './run-process.ts';

export interface FfmpegFrameGrabberOptions {
  /** ffmpeg, located when the first frame is asked for (processes that never grab one never look for it). */
  tools: () => Promise<Pick<FfmpegPaths, 'ffmpegPath' | 'launcher'>>;
  /** Folder for the short-lived piece and picture files (default: the OS temp folder). */
  tempDir?: string;
}

/**
 * FrameGrabber on a local ffmpeg: the piece is written to a private temporary folder, ffmpeg seeks
 * with `-ss` before `-i` (it decodes from the keyframe before the time and keeps the first frame at
 * or after it), scales to the size asked and writes one JPEG. Started with an argument array,
 * without stdin, reading local files through the listed demuxers only.
 */
export class FfmpegFrameGrabber implements FrameGrabber {
  constructor(private readonly options: FfmpegFrameGrabberOptions) {}

  async grab(request: FrameGrabRequest): Promise<Buffer> {
    const { width, height } = request;
    if (![width, height].every((n) => Number.isInteger(n) && n >= 2 && n <= 8192)) {
      throw new ValidationError(`a frame size must be whole numbers from 2 to 8192, got ${width}x${height}`);
    }
    if (!(Number.isFinite(request.offsetSec) && request.offsetSec >= 0)) throw new ValidationError('the frame time must be 0 or more');
    const tools = await this.options.tools();
    const dir = await mkdtemp(join(this.options.tempDir ?? tmpdir(), 'vodkit-frame-'));
    try {
      const input = join(dir, 'piece.mp4');
      const output = join(dir, 'frame.jpg');
      await writeFile(input, request.media, { mode: 0o600 });
      const run = async (offsetSec: number) => {
        const args = [
          '-hide_banner', '-nostdin', '-v', 'error',
          ...(offsetSec > 0 ? ['-ss', String(offsetSec)] : []),
          ...safeInputArgs(input),
          '-map', '0:v:0', '-frames:v', '1',
          '-vf', `scale=${width}:${height}:flags=bicubic:out_range=pc,setsar=1,format=yuvj420p`,
          '-c:v', 'mjpeg', '-q:v', '3', '-map_metadata', '-1', '-f', 'image2', '-update', '1', '-y', output,
        ];
        const result = await runProcess(tools.ffmpegPath, args, { signal: request.signal, launcher: tools.launcher });
        if (result.code !== 0 || result.signal) throw failureError('ffmpeg', result);
        return result;
      };
      let result = await run(request.offsetSec);
      // Past the piece's last frame nothing comes out: its last picture is the nearest one there is.
      if (!(await nonEmpty(output)) && request.offsetSec > 0) result = await run(Math.max(0, request.offsetSec - 1));
      if (!(await nonEmpty(output)) && request.offsetSec > 0) result = await run(0);
      if (!(await nonEmpty(output))) {
        throw new UnsupportedMediaError(`no picture could be taken from the video: ${explainStderr(result.stderr) ?? 'no frame could be decoded'}`);
      }
      return await readFile(output);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

async function nonEmpty(path: string): Promise<boolean> {
  try {
    return (await stat(path)).size > 0;
  } catch {
    return false;
  }
}
