import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

/** Wall-clock and CPU time of one finished process, as measured by GNU time. */
export interface Timed {
  wallSec: number;
  /** User + system CPU seconds of the process and its threads. */
  cpuSec: number;
  maxRssKb: number;
  stderr: string;
}

const TIME = '/usr/bin/time';
const MARK = 'BENCHTIME';

/**
 * Runs `command args` under /usr/bin/time and resolves with its times. `stdin` may be another
 * process's stdout (a pipe between two processes, without copying through node).
 */
export function timedRun(command: string, args: string[], options: { stdin?: Readable | null; onSpawn?: (c: ChildProcess) => void } = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const child = spawn(TIME, ['-f', `${MARK} %e %U %S %M`, command, ...args], {
      stdio: [options.stdin ?? 'ignore', 'ignore', 'pipe'],
    });
    options.onSpawn?.(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.length > 1_000_000) stderr = stderr.slice(-500_000);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const line = stderr.split('\n').reverse().find((l) => l.startsWith(MARK));
      if (code !== 0 || !line) {
        reject(new Error(`${command} failed (exit ${code}): ${stderr.slice(-1500)}`));
        return;
      }
      const [, e, u, s, m] = line.split(' ');
      resolve({ wallSec: Number(e), cpuSec: Number(u) + Number(s), maxRssKb: Number(m), stderr });
    });
  });
}

/** Runs a command to the end, rejecting on a non-zero exit; returns its stdout. */
export function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.length > 200_000) err = err.slice(-100_000);
    });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.slice(0, 8).join(' ')} ... failed: ${err.slice(-1500)}`))));
  });
}

/** The 1-, 5- and 15-minute load averages, to print beside timings on a shared machine. */
export async function loadAverage(): Promise<string> {
  const { loadavg } = await import('node:os');
  return loadavg().map((l) => l.toFixed(2)).join(' ');
}
