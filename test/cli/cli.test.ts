import { readdir, readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/temp-dir.ts';
import { run } from '../support/probe.ts';
import { vodkit } from '../support/run-cli.ts';

describe('vodkit command line', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    temp = await makeTempDir('vodkit-cli-');
  });
  afterAll(async () => temp?.cleanup());

  it('--help documents every command and --data-dir', async () => {
    const top = await vodkit(['--help']);
    expect(top.code).toBe(0);
    for (const cmd of ['serve', 'worker', 'transcode', 'tokens', 'users']) expect(top.stdout).toContain(cmd);
    for (const cmd of [['serve'], ['worker'], ['transcode'], ['tokens', 'create'], ['users', 'create']]) {
      const help = await vodkit([...cmd, '--help']);
      expect(help.code, cmd.join(' ')).toBe(0);
      expect(help.stdout).toContain('--data-dir');
    }
  });

  it('--version prints the package version without reading any configuration', async () => {
    const { version } = JSON.parse(await readFile(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string };
    // A configuration that could not load would fail any command that reads it.
    const out = await vodkit(['--version'], { env: { VODKIT_STORAGE: 'no-such-backend', VODKIT_DATA_DIR: join(temp.dir, 'nowhere') } });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.trim()).toBe(version);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('tokens create prints a token that is stored hashed', async () => {
    const dataDir = join(temp.dir, 'tokens');
    const out = await vodkit(['tokens', 'create', '--name', 'ci', '--data-dir', dataDir]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.trim()).toMatch(/^vk_[A-Za-z0-9_-]{43}$/);
    const dump = await run('sqlite3', [join(dataDir, 'vodkit.db'), '.dump']).catch(() => null);
    if (dump !== null) expect(dump).not.toContain(out.stdout.trim());
  });

  it('users create reads the password from stdin and refuses weak ones', async () => {
    const dataDir = join(temp.dir, 'users');
    const weak = await vodkit(['users', 'create', 'a@example.com', '--admin', '--password-stdin', '--data-dir', dataDir], { input: 'short\n' });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('at least 10 characters');
    const ok = await vodkit(['users', 'create', 'a@example.com', '--admin', '--password-stdin', '--data-dir', dataDir], { input: 'a long enough password\n' });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('created admin a@example.com');
  });

  it('users list|disable|reset-password and tokens list|revoke manage accounts, keeping the last admin', async () => {
    const dataDir = join(temp.dir, 'accounts');
    const make = (email: string, extra: string[]) => vodkit(['users', 'create', email, ...extra, '--password-stdin', '--data-dir', dataDir], { input: 'a long enough password\n' });
    expect((await make('boss@example.com', ['--admin'])).code).toBe(0);
    expect((await make('ann@example.com', ['--role', 'viewer'])).code).toBe(0);
    const secret = (await vodkit(['tokens', 'create', '--name', 'laptop', '--user', 'ann@example.com', '--data-dir', dataDir])).stdout.trim();

    const users = await vodkit(['users', 'list', '--data-dir', dataDir]);
    expect(users.code, users.stderr).toBe(0);
    expect(users.stdout).toMatch(/boss@example\.com\s+admin\s+enabled/);
    expect(users.stdout).toMatch(/ann@example\.com\s+viewer\s+enabled/);

    const last = await vodkit(['users', 'disable', 'boss@example.com', '--data-dir', dataDir]);
    expect(last.code).toBe(1);
    expect(last.stderr).toContain('last enabled admin');
    const disabled = await vodkit(['users', 'disable', 'ann@example.com', '--data-dir', dataDir]);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect((await vodkit(['users', 'list', '--data-dir', dataDir])).stdout).toMatch(/ann@example\.com\s+viewer\s+disabled/);

    const reset = await vodkit(['users', 'reset-password', 'ann@example.com', '--data-dir', dataDir]);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout.trim()).toMatch(/^[A-Za-z0-9_-]{16,}$/);

    const tokens = await vodkit(['tokens', 'list', '--data-dir', dataDir]);
    expect(tokens.code, tokens.stderr).toBe(0);
    expect(tokens.stdout).not.toContain(secret);
    const row = tokens.stdout.split('\n').find((l) => l.includes('laptop'));
    expect(row).toMatch(/laptop\s+ann@example\.com\s+\S+\s+never/);
    const id = row!.split(/\s+/)[0];
    const revoked = await vodkit(['tokens', 'revoke', id, '--data-dir', dataDir]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect((await vodkit(['tokens', 'list', '--data-dir', dataDir])).stdout).not.toContain('laptop');
    expect((await vodkit(['tokens', 'revoke', id, '--data-dir', dataDir])).code).toBe(1);
  });

  it('a missing ffmpeg gives a clear error saying how to install it', async () => {
    const out = await vodkit(['transcode', 'in.mp4', join(temp.dir, 'x'), '--data-dir', temp.dir], {
      env: { VODKIT_FFMPEG: '/nonexistent/ffmpeg', VODKIT_FFPROBE: '/nonexistent/ffprobe' },
    });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/install ffmpeg/i);
  });

  it('serve (and the metrics server of a worker) on a port already in use exits at once, non-zero, saying which port and how to change it', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      for (const [args, env] of [
        [['--port', String(port)], {}],
        [[], { VODKIT_PORT: String(port) }],
      ] as const) {
        const out = await vodkit(['serve', '--data-dir', join(temp.dir, 'port-in-use'), ...args], { env: { ...env, VODKIT_HOST: '127.0.0.1' }, timeoutMs: 60_000 });
        expect(out.timedOut, `still running after 60 s: ${out.stderr}`).toBe(false);
        expect(out.code).toBe(1);
        expect(out.stderr).toContain(`vodkit: port ${port} is in use: set --port or VODKIT_PORT`);
        expect(out.stderr).not.toContain('unexpected error');
      }
      // A worker's metrics port likewise.
      const worker = await vodkit(['worker', '--metrics-port', String(port), '--data-dir', join(temp.dir, 'port-in-use')], {
        env: { VODKIT_HOST: '127.0.0.1' },
        timeoutMs: 60_000,
      });
      expect(worker.timedOut, `still running after 60 s: ${worker.stderr}`).toBe(false);
      expect(worker.code).toBe(1);
      expect(worker.stderr).toContain(`vodkit: port ${port} is in use: set --metrics-port or VODKIT_METRICS_PORT`);
    } finally {
      holder.close();
    }
  }, 150_000);

  it('serve without ffmpeg exits at once with the install hint', async () => {
    const out = await vodkit(['serve', '--port', '0', '--data-dir', join(temp.dir, 'serve-no-ffmpeg')], {
      env: { VODKIT_FFMPEG: '/nonexistent/ffmpeg', VODKIT_FFPROBE: '/nonexistent/ffprobe' },
      timeoutMs: 60_000,
    });
    expect(out.timedOut, `still running after 60 s: ${out.stderr}`).toBe(false);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/install ffmpeg/i);
  }, 90_000);

  it('invalid configuration names the variable', async () => {
    const out = await vodkit(['tokens', 'create', '--data-dir', temp.dir], { env: { VODKIT_SEGMENT_SECONDS: 'lots' } });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('VODKIT_SEGMENT_SECONDS');
  });

  it('transcode encodes a file to an HLS folder without a server', async () => {
    const src = join(temp.dir, 'src.mp4');
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=3', '-f', 'lavfi', '-i', 'sine=duration=3',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', src]);
    const outDir = join(temp.dir, 'hls');
    const out = await vodkit(['transcode', src, outDir, '--data-dir', temp.dir], { env: { VODKIT_X264_PRESET: 'superfast' } });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.trim()).toBe(join(outDir, 'master.m3u8'));
    expect(out.stderr).toMatch(/100%/);
    const files = await readdir(outDir);
    expect(files).toEqual(expect.arrayContaining(['master.m3u8', 'poster.jpg', 'thumbnail']));
  });
});
