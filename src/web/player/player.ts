import Hls, { type ErrorData } from 'hls.js';
import 'media-tracks/polyfill';
import type { VideoRenditionList, VideoTrack } from 'media-tracks';
import type { Rendition } from '../api.ts';
import { mediaSignature, signMediaUrl } from './signed-media.ts';

/** A media element with the video tracks and renditions media-tracks adds to it. */
type TrackedVideo = HTMLVideoElement & {
  videoRenditions: VideoRenditionList;
  addVideoTrack(kind: string, label?: string, language?: string): VideoTrack;
  removeVideoTrack(track: VideoTrack): void;
};

export interface QualityOption {
  /** hls.js level index, or -1 for automatic. */
  index: number;
  label: string;
}

export interface PlayerOptions {
  /** The level list or the automatic choice changed. */
  onQualities?(options: QualityOption[], current: number, autoLabel: string): void;
  /** A problem the viewer should know about (fatal, after recovery attempts). */
  onFatal(message: string): void;
}

/**
 * HLS playback: hls.js where Media Source Extensions exist, the browser's own HLS (Safari, iOS)
 * otherwise. Recovers from network and media errors once each before giving up. Every hls.js
 * error is also counted on the element (data-hls-errors, data-hls-fatal) for diagnostics.
 * The levels are published as the element's video renditions (media-tracks), which the player's
 * quality menu lists; choosing one there forces that level, none is automatic.
 */
export class Player {
  private hls: Hls | null = null;
  private recoveredMedia = false;
  private errors: string[] = [];
  private track: VideoTrack | null = null;

  constructor(
    readonly video: HTMLVideoElement,
    private readonly src: string,
    private readonly renditions: Rendition[],
    private readonly options: PlayerOptions,
  ) {}

  private get tracked(): TrackedVideo {
    return this.video as TrackedVideo;
  }

  start(): void {
    if (Hls.isSupported()) {
      // Captions come from the video's own WebVTT files (<track> elements): one way in every browser.
      const hls = new Hls({ capLevelToPlayerSize: false, startLevel: -1, backBufferLength: 30, enableWebVTT: false, ...this.signedRequests() });
      this.hls = hls;
      hls.on(Hls.Events.MANIFEST_PARSED, () => {
        this.publishRenditions();
        this.report();
      });
      hls.on(Hls.Events.LEVEL_SWITCHED, () => this.report());
      hls.on(Hls.Events.ERROR, (_event, data) => this.onError(data));
      hls.on(Hls.Events.FRAG_BUFFERED, () => this.skipLeadingGap());
      this.tracked.videoRenditions.addEventListener('change', this.onRenditionChange);
      hls.loadSource(this.src);
      hls.attachMedia(this.video);
    } else if (this.video.canPlayType('application/vnd.apple.mpegurl')) {
      this.video.src = this.src;
      this.options.onQualities?.([{ index: -1, label: 'Auto' }], -1, '');
    } else {
      this.options.onFatal('This browser cannot play HLS video.');
    }
  }

  /**
   * A master signed by CloudFront for the video's folder: hls.js (its XHR loader) sends every
   * request under that folder with the master's signature, so that media playlists and segments
   * are authorized without the CloudFront cookies (not sent inside another site's <iframe>).
   * Nothing for a token URL: the server writes the token into the playlists it serves.
   */
  private signedRequests(): { xhrSetup?: (xhr: XMLHttpRequest, url: string) => void } {
    const signature = mediaSignature(this.src);
    if (!signature) return {};
    return {
      xhrSetup(xhr, url) {
        const signed = signMediaUrl(url, signature);
        if (signed !== url) xhr.open('GET', signed, true);
      },
    };
  }

  /**
   * Encoders often make the picture start a frame or two after 0 (B-frame delay). Starting right
   * at the first buffered frame avoids a stall at 0 that the player would otherwise have to jump.
   */
  private skipLeadingGap(): void {
    const { buffered, currentTime } = this.video;
    if (buffered.length === 0) return;
    const start = buffered.start(0);
    if (currentTime < start && start - currentTime < 1) this.video.currentTime = start;
  }

  /** -1 = automatic; otherwise forces that level at once (the buffer is flushed). */
  setQuality(index: number): void {
    if (!this.hls) return;
    this.hls.currentLevel = index;
    if (index === -1) this.hls.loadLevel = -1;
    this.report();
  }

  /** The levels as renditions of one video track (ids are level indexes), none selected = automatic. */
  private publishRenditions(): void {
    const hls = this.hls;
    if (!hls) return;
    if (this.track) this.tracked.removeVideoTrack(this.track);
    const track = this.tracked.addVideoTrack('main');
    track.id = 'main';
    track.selected = true;
    hls.levels.forEach((level, i) => {
      const rendition = track.addRendition(level.url[0], level.width, level.height, level.videoCodec, level.bitrate);
      rendition.id = String(i);
    });
    this.track = track;
  }

  private readonly onRenditionChange = () => {
    const list = this.tracked.videoRenditions;
    const chosen = list.selectedIndex >= 0 ? Number(list[list.selectedIndex]?.id) : -1;
    const current = this.hls?.autoLevelEnabled ? -1 : (this.hls?.currentLevel ?? -1);
    if (Number.isInteger(chosen) && chosen !== current) this.setQuality(chosen);
  };

  destroy(): void {
    this.tracked.videoRenditions?.removeEventListener('change', this.onRenditionChange);
    if (this.track) this.tracked.removeVideoTrack(this.track);
    this.track = null;
    this.hls?.destroy();
    this.hls = null;
    this.video.removeAttribute('src');
    this.video.load();
  }

  private report(): void {
    const hls = this.hls;
    if (!hls) return;
    const options: QualityOption[] = [{ index: -1, label: 'Auto' }];
    const labels = hls.levels.map((level) => levelLabel(level.width, level.height, level.bitrate, this.renditions));
    // Highest first, as people expect in a quality menu.
    const order = hls.levels.map((_, i) => i).sort((a, b) => hls.levels[b].bitrate - hls.levels[a].bitrate);
    for (const i of order) options.push({ index: i, label: labels[i] });
    const playing = hls.currentLevel >= 0 ? labels[hls.currentLevel] : '';
    this.options.onQualities?.(options, hls.autoLevelEnabled ? -1 : hls.currentLevel, playing);
  }

  private onError(data: ErrorData): void {
    // hls.js reports its own deliberate cancellations (a quality switch drops a download) as "aborted".
    if (data.details === Hls.ErrorDetails.INTERNAL_ABORTED) return;
    this.errors.push(`${data.fatal ? 'fatal ' : ''}${data.type}/${data.details}`);
    this.video.dataset.hlsErrors = this.errors.join(' ');
    if (!data.fatal) return;
    this.video.dataset.hlsFatal = 'true';
    const hls = this.hls;
    if (!hls) return;
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !this.recoveredMedia) {
      this.recoveredMedia = true;
      hls.recoverMediaError();
      return;
    }
    if (data.type === Hls.ErrorTypes.NETWORK_ERROR && data.response?.code !== 403 && data.response?.code !== 401) {
      this.options.onFatal('The video stopped loading. Check your connection; it will continue when it can.');
      setTimeout(() => this.hls?.startLoad(), 3000);
      return;
    }
    this.options.onFatal(
      data.response?.code === 403 || data.response?.code === 401
        ? 'The playback link has expired. Reload the page to continue watching.'
        : 'This video cannot be played in this browser.',
    );
    hls.destroy();
    this.hls = null;
  }
}

function levelLabel(width: number, height: number, bitrate: number, renditions: Rendition[]): string {
  const match = renditions.find((r) => r.width === width && r.height === height);
  const short = width && height ? Math.min(width, height) : 0;
  const name = short ? `${short}p` : (match?.name ?? 'Audio');
  return `${name} · ${bitrate >= 1_000_000 ? `${(bitrate / 1_000_000).toFixed(1)} Mbit/s` : `${Math.round(bitrate / 1000)} kbit/s`}`;
}
