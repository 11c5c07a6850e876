import { spawn } from 'node:child_process';
import { AbortedError, ToolMissingError, TransientError } from '../../../core/errors.ts';

export interface RunOptions {
  /** Aborting kills the process with SIGKILL and rejects with AbortedError once it is gone. */
  signal?: AbortSignal;
  /** Called for every complete stdout line (without the newline). */
  onStdoutLine?: (line: string) => void;
  /** Keep stdout and return it (bounded by maxStdoutBytes). */
  captureStdout?: boolean;
  maxStdoutBytes?: number;
  /** How much of the end of stderr to keep for error messages (default 16 KiB). */
  stderrTailBytes?: number;
  /** Called with the child's pid once it is spawned. */
  onSpawn?: (pid: number) => void;
  /**
   * A command that runs the program in its place (exec), e.g. `setpriv --pdeathsig KILL --` so that
   * the program is killed when this process dies (see locate-ffmpeg.ts). Empty: run it directly.
   */
  launcher?: readonly string[];
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** The last stderrTailBytes of stderr. */
  stderr: string;
}

/** Runs a program with an argument array (never a shell) and waits for it to exit. */
export function runProcess(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const { signal } = options;
  const tailBytes = options.stderrTailBytes ?? 16 * 1024;
  const maxStdout = options.maxStdoutBytes ?? 16 * 1024 * 1024;
  return new Promise<RunResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError(`${toolName(command)} was not started: the work was aborted`));
      return;
    }
    const launcher = options.launcher ?? [];
    const child =
      launcher.length > 0
        ? spawn(launcher[0], [...launcher.slice(1), command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true })
        : spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let aborted = false;
    let failed: Error | null = null;
    const stdoutChunks: Buffer[] = [];
    let stdoutBytes = 0;
    let partialLine = '';
    let stderrTail = Buffer.alloc(0);

    const onAbort = (): void => {
      aborted = true;
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    child.once('spawn', () => {
      if (child.pid !== undefined) options.onSpawn?.(child.pid);
    });

    child.stdout.on('data', (chunk: Buffer) => {
      if (options.captureStdout) {
        stdoutBytes += chunk.length;
        if (stdoutBytes > maxStdout) {
          failed ??= new TransientError(`${toolName(command)} wrote more output than expected`);
          child.kill('SIGKILL');
          return;
        }
        stdoutChunks.push(chunk);
      }
      if (options.onStdoutLine) {
        const text = partialLine + chunk.toString('utf8');
        const lines = text.split('\n');
        partialLine = lines.pop() ?? '';
        for (const line of lines) options.onStdoutLine(line.replace(/\r$/, ''));
      }
    });

    child.stderr.on('data', (chunk: Buffer) => {
      stderrTail = Buffer.concat([stderrTail, chunk]);
      if (stderrTail.length > tailBytes) stderrTail = stderrTail.subarray(stderrTail.length - tailBytes);
    });

    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'EACCES') {
        failed ??= new ToolMissingError(`${command} cannot be run (${err.code}): ${FFMPEG_INSTALL_HINT}`);
      } else {
        failed ??= new TransientError(`${toolName(command)} failed to start: ${err.message}`, { cause: err });
      }
    });

    child.once('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (options.onStdoutLine && partialLine) options.onStdoutLine(partialLine);
      if (aborted) {
        reject(new AbortedError(`${toolName(command)} was stopped: the work was aborted`));
      } else if (failed) {
        reject(failed);
      } else {
        resolve({
          code,
          signal: sig,
          stdout: Buffer.concat(stdoutChunks).toString('utf8'),
          stderr: stderrTail.toString('utf8'),
        });
      }
    });
  });
}

export const FFMPEG_INSTALL_HINT =
  'install ffmpeg: apt-get install ffmpeg / brew install ffmpeg, or set VODKIT_FFMPEG and VODKIT_FFPROBE';

function toolName(command: string): string {
  return command.split('/').pop() ?? command;
}
