import { spawn } from 'node:child_process';

/** ffprobe as JSON, for assertions in tests. */
export async function ffprobeJson(path: string, extra: string[] = []): Promise<any> {
  const out = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', ...extra, path]);
  return JSON.parse(out);
}

/** Presentation times (seconds, 3 decimals) of the video keyframes of a file. */
export async function keyframeTimes(path: string): Promise<number[]> {
  const out = await run('ffprobe', [
    '-v', 'error', '-select_streams', 'v:0', '-skip_frame', 'nokey',
    '-show_entries', 'frame=best_effort_timestamp_time', '-of', 'csv=p=0', path,
  ]);
  return out
    .split('\n')
    .map((l) => l.trim().replace(/,$/, ''))
    .filter(Boolean)
    .map((t) => Math.round(Number(t) * 1000) / 1000);
}

export function run(cmd: string, args: string[], input?: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err.slice(-2000)}`))));
    child.stdin.end(input);
  });
}
