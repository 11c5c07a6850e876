import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { httpLoad } from '../lib/http-load.ts';

/**
 * Media serving: requests per second and latency percentiles for GETs of HLS segments, from vodkit
 * (with playback authorization: a private video, the playback token in the query) and from nginx
 * serving the same files straight from the media folder. The load generator (http-load.ts) runs in
 * this process, on the same machine, over loopback, for a bounded duration.
 */
export interface ServingRow {
  server: string;
  connections: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  mibPerSec: number;
  non2xx: number;
  errors: number;
}

export async function loadTest(name: string, base: string, paths: string[], connections: number, durationSec: number): Promise<ServingRow> {
  const r = await httpLoad(base, paths, connections, durationSec);
  return {
    server: name,
    connections,
    requestsPerSec: r.requestsPerSec,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    mibPerSec: r.mibPerSec,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

export interface Nginx {
  url: string;
  stop(): Promise<void>;
}

/**
 * nginx (`binary`, e.g. Debian's /usr/sbin/nginx: see findNginx) on 127.0.0.1 with a generated
 * config and a temp prefix: the files of `root` straight, or, with `accel`, in front of vodkit run
 * with VODKIT_MEDIA_DELIVERY=x-accel-redirect (vodkit checks each request, nginx sends the file from
 * its internal location, as docs/operations.md configures it).
 */
export async function startNginx(binary: string, root: string, prefix: string, workers: number, accel?: { upstream: string; location: string }): Promise<Nginx> {
  const port = await freePort();
  await mkdir(join(prefix, 'tmp'), { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  const asRoot = process.getuid?.() === 0;
  await writeFile(
    conf,
    `${asRoot ? 'user root;\n' : ''}worker_processes ${workers};
daemon off;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  keepalive_timeout 65;
  open_file_cache max=1000 inactive=60s;
  types { video/iso.segment m4s; video/mp4 mp4; application/vnd.apple.mpegurl m3u8; }
  default_type application/octet-stream;
  client_body_temp_path ${join(prefix, 'tmp', 'body')};
  proxy_temp_path ${join(prefix, 'tmp', 'proxy')};
  fastcgi_temp_path ${join(prefix, 'tmp', 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'tmp', 'uwsgi')};
  scgi_temp_path ${join(prefix, 'tmp', 'scgi')};
${accel ? accelServer(port, root, accel) : `  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { add_header Cache-Control "private, max-age=31536000, immutable"; }
  }`}
}
`,
  );
  const child: ChildProcess = spawn(binary, ['-p', prefix, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    const ok = await fetch(url).then(() => true, () => false);
    if (ok) break;
    if (Date.now() > end) throw new Error(`nginx did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGQUIT');
      await exited;
    },
  };
}

/** The server block of docs/operations.md: /media/ to vodkit, the internal location to the media folder. */
function accelServer(port: number, root: string, accel: { upstream: string; location: string }): string {
  const upstream = new URL(accel.upstream);
  return `  upstream vodkit { server ${upstream.host}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location /media/ {
      proxy_pass http://vodkit;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }
    location ${accel.location}/ {
      internal;
      alias ${root}/;
      add_header X-Content-Type-Options nosniff always;
      add_header Referrer-Policy same-origin always;
      add_header X-Frame-Options DENY always;
    }
  }`;
}

export interface ServingTarget {
  name: string;
  base: string;
  paths: string[];
}

/**
 * Each target at each connection count, `repeats` times, the targets taking turns within a round
 * (a busy machine weighs on all of them alike); one row per target and count: the median of each
 * figure over the rounds.
 */
export async function measureServing(targets: ServingTarget[], connectionCounts: number[], seconds: number, repeats: number, log: (text: string) => void): Promise<ServingRow[]> {
  const runs = new Map<string, ServingRow[]>();
  for (let round = 1; round <= repeats; round++) {
    for (const connections of connectionCounts) {
      log(`serving: ${connections} connections, round ${round} of ${repeats}`);
      for (const t of targets) {
        const key = `${t.name}\0${connections}`;
        runs.set(key, [...(runs.get(key) ?? []), await loadTest(t.name, t.base, t.paths, connections, seconds)]);
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return connectionCounts.flatMap((connections) =>
    targets.map((t) => {
      const rs = runs.get(`${t.name}\0${connections}`)!;
      return {
        server: t.name,
        connections,
        requestsPerSec: median(rs.map((r) => r.requestsPerSec)),
        p50Ms: median(rs.map((r) => r.p50Ms)),
        p99Ms: median(rs.map((r) => r.p99Ms)),
        mibPerSec: median(rs.map((r) => r.mibPerSec)),
        non2xx: rs.reduce((n, r) => n + r.non2xx, 0),
        errors: rs.reduce((n, r) => n + r.errors, 0),
      };
    }),
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
