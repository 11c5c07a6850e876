import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ConfigFlags } from '../../src/config/config.ts';
import { compile } from '../../bin/build-cli.js';

const CHILD = fileURLToPath(new URL('../server-child.ts', import.meta.url));
/** Two levels below the project's root, as test/support/server.ts is (it finds web-dist from there); one folder per benchmark process. */
const COMPILED_DIR = fileURLToPath(new URL(`../../.tmp/bench-server-${process.pid}/`, import.meta.url));
/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in hundredths of a second. */
const CLOCK_TICKS = 100;

/** A vodkit server running as a child process (see bench/server-child.ts). */
export interface ServerProcess {
  url: string;
  token: string;
  dataDir: string;
  pid: number;
  /** Peak resident memory (VmHWM) and current (VmRSS), in MiB. */
  memory(): Promise<{ peakMiB: number; rssMiB: number }>;
  /** CPU seconds (user + system) the process has used so far. */
  cpuSeconds(): Promise<number>;
  /** Resets the peak (VmHWM) to the current RSS (writes 5 to /proc/<pid>/clear_refs). */
  resetPeak(): Promise<void>;
  /** True while an ffmpeg started by the server is running. */
  encoding(): Promise<boolean>;
  stop(): Promise<void>;
}

let compiled: Promise<string> | undefined;

/**
 * The server child compiled as `vodkit serve` runs from an installed checkout (bin/build-cli.js:
 * plain node, no TypeScript loader, which would add its own thread and memory), once per
 * benchmark process; the folder is removed when the process exits.
 */
function compiledChild(): Promise<string> {
  compiled ??= (async () => {
    await compile({ 'server-child': CHILD }, COMPILED_DIR);
    process.once('exit', () => rmSync(COMPILED_DIR, { recursive: true, force: true }));
    return join(COMPILED_DIR, 'server-child.js');
  })();
  return compiled;
}

/** `cpuProfileDir`: the server writes a V8 CPU profile there when it stops (node --cpu-prof). */
export async function startServerProcess(options: { worker: boolean; flags?: ConfigFlags; cpuProfileDir?: string }): Promise<ServerProcess> {
  const { cpuProfileDir, ...childOptions } = options;
  const profile = cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, await compiledChild(), JSON.stringify(childOptions)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the server process exited (${code}) before listening`)));
  });
  const info = JSON.parse(first) as { url: string; token: string; dataDir: string };
  const pid = child.pid!;
  const status = async () => readFile(`/proc/${pid}/status`, 'utf8');
  const field = (text: string, name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) / 1024;
  return {
    ...info,
    pid,
    async memory() {
      const text = await status();
      return { peakMiB: field(text, 'VmHWM'), rssMiB: field(text, 'VmRSS') };
    },
    async cpuSeconds() {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const [utime, stime] = stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(11, 13).map(Number);
      return (utime + stime) / CLOCK_TICKS;
    },
    async resetPeak() {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(`/proc/${pid}/clear_refs`, '5');
    },
    async encoding() {
      return (await descendants(pid)).length > 0;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Pids of the ffmpeg/ffprobe processes whose parent is `pid` (the server's encodes and probes). */
async function descendants(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (ppid === pid && /^ff(mpeg|probe)$/.test(command)) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
