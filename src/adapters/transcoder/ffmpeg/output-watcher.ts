import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Rendition } from '../../../core/model/video.ts';
import { parseMediaPlaylist } from '../../../core/playlists/media-playlist.ts';
import type { OutputUpdate } from './transcoder-types.ts';
import { PLAYLIST_FILE } from './ffmpeg-args.ts';
import { statsOfPlaylist, type RenditionStats } from './rendition-stats.ts';

/** A rendition folder ffmpeg writes during a run, as it will appear in a master playlist. */
export interface WatchedRendition {
  name: string;
  /** 'audio' for the audio rendition (its rate is added to every video rendition). */
  kind: 'video' | 'audio' | 'muxed';
  width: number;
  height: number;
  frameRate: number | null;
  /** Declared peak in bits/s (the encoder's cap, or the source's rate), used until measured higher. */
  declaredBps: number;
}

export interface OutputWatcherOptions {
  outputDir: string;
  renditions: WatchedRendition[];
  segmentSeconds: number;
  onOutput: (update: OutputUpdate) => void;
  /** How often the playlists are looked at (default 150 ms). */
  intervalMs?: number;
}

/**
 * Watches the media playlists of a running ffmpeg (which writes each one to a temp file and renames
 * it after the segment it adds is complete) and reports those that changed. Once every rendition has
 * a segment, each update also carries the renditions for a master playlist, with bandwidths measured
 * over the segments so far (never below the declared peak).
 */
export class OutputWatcher {
  private readonly seen = new Map<string, string>();
  private readonly texts = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: OutputWatcherOptions) {}

  start(): void {
    const tick = (): void => {
      if (this.stopped) return;
      this.running = this.poll()
        .catch(() => {}) // a read racing a rename: the next look sees the new file
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs ?? 150);
        });
    };
    this.timer = setTimeout(tick, this.options.intervalMs ?? 150);
  }

  /** Stops watching after one last look, so that the final playlists are reported. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.poll();
  }

  /** Stops without a last look (the run failed or was aborted). */
  cancel(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async poll(): Promise<void> {
    const changed: string[] = [];
    for (const r of this.options.renditions) {
      const rel = `${r.name}/${PLAYLIST_FILE}`;
      const path = join(this.options.outputDir, rel);
      let signature: string;
      try {
        const st = await stat(path);
        signature = `${st.mtimeMs}:${st.size}:${st.ino}`;
      } catch {
        continue; // not written yet
      }
      if (this.seen.get(rel) === signature) continue;
      const text = await readFile(path, 'utf8');
      this.seen.set(rel, signature);
      if (this.texts.get(rel) === text) continue;
      this.texts.set(rel, text);
      changed.push(rel);
    }
    if (changed.length === 0) return;
    this.options.onOutput({ playlists: changed, renditions: await this.renditions() });
  }

  private async renditions(): Promise<Rendition[] | null> {
    const stats = new Map<string, RenditionStats>();
    for (const r of this.options.renditions) {
      const text = this.texts.get(`${r.name}/${PLAYLIST_FILE}`);
      if (!text || parseMediaPlaylist(text).segments.length === 0) return null;
      const s = await statsOfPlaylist(this.options.outputDir, r.name, text, this.options.segmentSeconds);
      if (!s) return null;
      stats.set(r.name, s);
    }
    const audio = this.options.renditions.find((r) => r.kind === 'audio');
    const audioStats = audio ? stats.get(audio.name)! : null;
    const audioPeak = audio && audioStats ? Math.max(audioStats.peakBps, audio.declaredBps) : 0;
    const audioAverage = audioStats?.averageBps ?? 0;
    return this.options.renditions.map((r): Rendition => {
      const s = stats.get(r.name)!;
      const own = Math.max(s.peakBps, r.declaredBps);
      const isAudio = r.kind === 'audio';
      return {
        name: r.name,
        width: isAudio ? 0 : r.width,
        height: isAudio ? 0 : r.height,
        bandwidth: isAudio || r.kind === 'muxed' ? own : own + audioPeak,
        averageBandwidth: isAudio || r.kind === 'muxed' ? s.averageBps : s.averageBps + audioAverage,
        codecs: (r.kind === 'video' && audioStats ? [...s.codecs, ...audioStats.codecs] : s.codecs).join(','),
        frameRate: isAudio ? null : r.frameRate,
        playlist: `${r.name}/${PLAYLIST_FILE}`,
      };
    });
  }
}
