import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * Real `vodkit` processes for tests: `node bin/vodkit.js <args>`, each in its own process group so
 * that a "kill -9" takes its ffmpeg children along, as systemd or a container runtime does when a
 * service is killed. stdout is parsed as pino JSON lines.
 */
export const BIN = fileURLToPath(new URL('../../../bin/vodkit.js', import.meta.url));

export interface VodkitProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Parsed log lines (non-JSON lines as { msg }). */
  logs: any[];
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL to the whole process group (the server and its ffmpeg children). */
  kill9(): Promise<void>;
  /** A signal to the vodkit process alone. */
  signal(sig: NodeJS.Signals): void;
  /** Waits for a log line matching `pred`. */
  waitForLog(what: string, pred: (line: any) => boolean, timeoutMs?: number): Promise<any>;
}

/** How a process is started: `umask` runs it under that file-mode mask (e.g. 0o022), as a shell would. */
export interface StartOptions {
  umask?: number;
}

export function spawnVodkit(name: string, args: string[], env: NodeJS.ProcessEnv, options: StartOptions = {}): VodkitProcess {
  return spawnNode(name, [BIN, ...args], env, options);
}

/** A TypeScript file run by node (through tsx), watched like a vodkit process. */
export function spawnScript(name: string, script: string, env: NodeJS.ProcessEnv = process.env): VodkitProcess {
  return spawnNode(name, ['--import', 'tsx', script], env);
}

/** node with `nodeArgs`, through `sh -c 'umask …; exec node …'` when a umask is asked for. */
function nodeCommand(nodeArgs: string[], options: StartOptions): [string, string[]] {
  if (options.umask === undefined) return [process.execPath, nodeArgs];
  return ['/bin/sh', ['-c', `umask ${options.umask.toString(8).padStart(3, '0')} && exec "$0" "$@"`, process.execPath, ...nodeArgs]];
}

function spawnNode(name: string, nodeArgs: string[], env: NodeJS.ProcessEnv, options: StartOptions = {}): VodkitProcess {
  const [file, args] = nodeCommand(nodeArgs, options);
  const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const logs: any[] = [];
  let buffer = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const proc: VodkitProcess = {
    name,
    child,
    pid: child.pid!,
    logs,
    stderr: () => stderr,
    exited,
    async kill9() {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    },
    signal(sig) {
      child.kill(sig);
    },
    async waitForLog(what, pred, timeoutMs = 120_000) {
      try {
        return await waitFor(what, () => logs.find(pred), timeoutMs, () => (child.exitCode !== null ? `${name} exited: ${stderr.slice(-1500)}` : null));
      } catch (err) {
        // What the process said last, to see why the line never came.
        const last = logs.slice(-25).map((l) => JSON.stringify(l).slice(0, 300));
        throw new Error(`${(err as Error).message}\nlast log lines of ${name}:\n${last.join('\n')}`);
      }
    },
  };
  return proc;
}

/** Starts `vodkit serve` and resolves once it listens, with its base URL. */
export async function startServe(
  name: string,
  dataDir: string,
  env: NodeJS.ProcessEnv,
  extra: string[] = [],
  options: StartOptions = {},
): Promise<VodkitProcess & { url: string }> {
  const proc = spawnVodkit(name, ['serve', '--port', '0', '--data-dir', dataDir, ...extra], env, options);
  const line = await proc.waitForLog(`${name} to listen`, (l) => l.msg === 'vodkit is serving', 90_000);
  return Object.assign(proc, { url: String(line.address) });
}

/** Runs a short vodkit command to completion; rejects on a non-zero exit. */
export function runVodkit(args: string[], env: NodeJS.ProcessEnv, options: StartOptions = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const [file, nodeArgs] = nodeCommand([BIN, ...args], options);
    const child = spawn(file, nodeArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) =>
      code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`vodkit ${args.join(' ')} exited ${code}: ${stderr.slice(-1500)}`)),
    );
  });
}

/** An admin API token for the installation in `dataDir`. */
export async function adminToken(dataDir: string, env: NodeJS.ProcessEnv, options: StartOptions = {}): Promise<string> {
  return (await runVodkit(['tokens', 'create', '--data-dir', dataDir], env, options)).stdout.trim();
}

export async function waitFor<T>(
  what: string,
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 120_000,
  abort?: () => string | null,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    const why = abort?.();
    if (why) throw new Error(`while waiting for ${what}: ${why}`);
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Like waitFor, but checks every few milliseconds: for catching a moment (a file appearing) closely. */
export async function pollFast(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 3));
  }
}

/** Processes on this machine whose command line contains `text` (from /proc), with their command lines. */
export async function processesMatching(text: string): Promise<Array<{ pid: number; cmdline: string }>> {
  const out: Array<{ pid: number; cmdline: string }> = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    const state = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    if (/^\d+ \(.*\) Z/.test(state)) continue; // zombies are gone, just not reaped yet
    if (cmdline.includes(text)) out.push({ pid: Number(name), cmdline: cmdline.replace(/\0/g, ' ').trim() });
  }
  return out;
}

/** Test environment shared by the process tests: fast leases, short segments, quick preset, JSON logs. */
export function embeddedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('VODKIT_') && !key.startsWith('VODKIT_TEST_') && key !== 'VODKIT_FFMPEG' && key !== 'VODKIT_FFPROBE') delete env[key];
  return {
    ...env,
    VODKIT_SECRET: 'ops-test-secret-0123456789abcdef-0123456789',
    VODKIT_JOB_LEASE_MS: '1500',
    VODKIT_SEGMENT_SECONDS: '2',
    VODKIT_X264_PRESET: 'superfast',
    // The fixed ladder: these tests are about processes, not about fitting a ladder to its content.
    VODKIT_PER_TITLE: 'false',
    VODKIT_LOG_LEVEL: 'info',
    VODKIT_UPLOAD_RATE_LIMIT: '10000',
    ...extra,
  };
}
