import { join } from 'node:path';
import HLS from 'hls-parser';
import { openFfmpegEncoding } from '../../src/adapters/transcoder/ffmpeg/ffmpeg-encoding.ts';
import { openTranscoder } from '../../src/config/build-adapters.ts';
import { TranscodeJob } from '../../src/core/pipeline/transcode-job.ts';
import type { Catalog } from '../../src/core/ports/catalog.ts';
import type { QueueWorker } from '../../src/core/ports/job-queue.ts';
import type { ObjectStore } from '../../src/core/ports/object-store.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { ApiClient } from '../support/api-client.ts';
import { ffmpeg } from '../support/clips.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * A real server (embedded adapters, HTTP) whose transcode worker sees the catalog and the media
 * store through `wrap`: the tests observe (and may slow down) what the job does, without replacing
 * anything.
 */
export interface PublishServer {
  server: TestServer;
  api: ApiClient;
  stop(): Promise<void>;
}

export interface Wrappers {
  catalog?: (catalog: Catalog) => Partial<Catalog>;
  media?: (media: ObjectStore) => Partial<ObjectStore>;
}

export async function startPublishServer(
  wrap: Wrappers = {},
  options: { segmentSeconds?: number; x264Preset?: string } = {},
): Promise<PublishServer> {
  const server = await startTestServer({
    worker: false,
    flags: { segmentSeconds: options.segmentSeconds ?? 1, ...(options.x264Preset ? { x264Preset: options.x264Preset } : {}) },
  });
  const { rt } = server;
  const media = withOverrides(rt.media, wrap.media?.(rt.media) ?? {});
  // The encode backend publishes the outputs itself: it gets the observed media store too.
  const encoding = await openFfmpegEncoding({ transcoder: await openTranscoder(rt.config), sources: rt.sources, media, workDir: join(server.dataDir, 'work') });
  const job = new TranscodeJob({
    catalog: withOverrides(rt.catalog, wrap.catalog?.(rt.catalog) ?? {}),
    sources: rt.sources,
    media,
    queue: rt.queue,
    encoding,
    clock: rt.clock,
    logger: silentLogger,
    segmentSeconds: options.segmentSeconds ?? 1,
    progressIntervalMs: 200,
  });
  const workers = rt.queue.capabilities.workers;
  if (!workers) throw new Error('the publish tests need a queue with workers');
  const worker: QueueWorker = workers.work(job.handle, { concurrency: 1 });
  return {
    server,
    api: new ApiClient(server.url, server.token),
    async stop() {
      await worker.stop({ graceful: false });
      await server.stop();
    },
  };
}

/** The object with some methods replaced; every other member is the original's, bound to it. */
export function withOverrides<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (prop in overrides) return (overrides as Record<PropertyKey, unknown>)[prop];
      const value = Reflect.get(t, prop, t);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}

/** Every URI a media playlist refers to (init segment and segments), resolved against its URL. */
export function playlistRefs(text: string, url: URL): URL[] {
  const playlist: any = HLS.parse(text);
  const refs: URL[] = [];
  const maps = new Set<string>();
  for (const s of playlist.segments) {
    if (s.map && !maps.has(s.map.uri)) {
      maps.add(s.map.uri);
      refs.push(new URL(s.map.uri, url));
    }
    refs.push(new URL(s.uri, url));
  }
  return refs;
}

/** The object keys a media playlist stored under `key` refers to. */
export function playlistKeys(text: string, key: string): string[] {
  const base = new URL(`http://store/${key}`);
  return playlistRefs(text, base).map((u) => decodeURIComponent(u.pathname.slice(1)));
}

/** A short standard H.264 High / AAC MP4 (keyframe every second): fit for instant publish. */
export async function makeStandardClip(path: string, seconds: number, size = '640x360'): Promise<string> {
  await ffmpeg([
    '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'high', '-crf', '28', '-g', '30', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '64k', '-shortest', '-movflags', '+faststart', path,
  ]);
  return path;
}

/** The same picture as a 10-bit H.264 file (never copied: re-encoded to 8-bit first). */
export async function makeTenBitClip(path: string, seconds: number, size = '640x360'): Promise<string> {
  await ffmpeg([
    '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'high10', '-crf', '28', '-g', '30', '-pix_fmt', 'yuv420p10le',
    '-c:a', 'aac', '-b:a', '64k', '-shortest', path,
  ]);
  return path;
}
