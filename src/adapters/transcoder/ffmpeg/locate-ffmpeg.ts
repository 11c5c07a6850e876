import { ToolMissingError } from '../../../core/errors.ts';
import { FFMPEG_INSTALL_HINT, runProcess } from './run-process.ts';

export interface FfmpegPaths {
  ffmpegPath: string;
  ffprobePath: string;
  /**
   * What ffmpeg and ffprobe are started through so that they die with this process: on Linux,
   * util-linux's `setpriv --pdeathsig KILL --` (the kernel sends SIGKILL to the child when its
   * parent dies, even by kill -9, so no encode runs on orphaned). Empty where that is not available.
   */
  launcher: string[];
}

const SETPRIV = ['setpriv', '--pdeathsig', 'KILL', '--'];

/**
 * Checks that ffmpeg and ffprobe can be run: the given paths, or `ffmpeg` / `ffprobe` found on the
 * PATH. Also checks that ffmpeg has the libx264 encoder. Throws ToolMissingError with an install hint.
 */
export async function locateFfmpeg(options: { ffmpegPath?: string; ffprobePath?: string } = {}): Promise<FfmpegPaths> {
  const ffmpegPath = options.ffmpegPath || 'ffmpeg';
  const ffprobePath = options.ffprobePath || 'ffprobe';
  await checkRuns(ffprobePath, ['-hide_banner', '-version']);
  const encoders = await checkRuns(ffmpegPath, ['-hide_banner', '-nostdin', '-encoders']);
  if (!/^\s*V\S*\s+libx264\s/m.test(encoders)) {
    throw new ToolMissingError(`${ffmpegPath} has no libx264 encoder: ${FFMPEG_INSTALL_HINT}`);
  }
  return { ffmpegPath, ffprobePath, launcher: await parentDeathLauncher(ffprobePath) };
}

/** SETPRIV when it runs ffprobe correctly here, else []. */
async function parentDeathLauncher(ffprobePath: string): Promise<string[]> {
  if (process.platform !== 'linux') return [];
  try {
    const result = await runProcess(ffprobePath, ['-hide_banner', '-version'], { launcher: SETPRIV, signal: AbortSignal.timeout(15_000) });
    return result.code === 0 ? [...SETPRIV] : [];
  } catch {
    return [];
  }
}

async function checkRuns(command: string, args: string[]): Promise<string> {
  const timeout = AbortSignal.timeout(15_000);
  let result;
  try {
    result = await runProcess(command, args, { signal: timeout, captureStdout: true });
  } catch (err) {
    if (err instanceof ToolMissingError) throw new ToolMissingError(`${command} was not found: ${FFMPEG_INSTALL_HINT}`);
    throw new ToolMissingError(`${command} did not answer: ${FFMPEG_INSTALL_HINT}`, { cause: err });
  }
  if (result.code !== 0) {
    throw new ToolMissingError(`${command} does not run (exit code ${result.code}): ${FFMPEG_INSTALL_HINT}`);
  }
  return result.stdout;
}
