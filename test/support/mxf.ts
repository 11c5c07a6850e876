import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const FFMPEG = process.env.VODKIT_FFMPEG ?? 'ffmpeg';

/**
 * A small MXF file (SMPTE 377M, what broadcast cameras and editors write) made by ffmpeg's lavfi
 * and MXF muxer: MPEG-2 video, 320x240 at 25 fps, with 48 kHz PCM audio.
 */
export async function makeMxf(dir: string, name = 'clip.mxf', seconds = 2): Promise<string> {
  const path = join(dir, name);
  await promisify(execFile)(FFMPEG, [
    ...['-hide_banner', '-nostdin', '-v', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=25:duration=${seconds}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`],
    ...['-c:v', 'mpeg2video', '-q:v', '8', '-c:a', 'pcm_s16le', '-shortest', '-f', 'mxf', path],
  ]);
  return path;
}
