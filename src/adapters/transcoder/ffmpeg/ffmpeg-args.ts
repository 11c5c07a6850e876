import { join } from 'node:path';
import { ValidationError } from '../../../core/errors.ts';
import type { LadderPlan, StoryboardPlan } from '../../../core/model/ladder-plan.ts';
import type { MediaInfo, VideoStreamInfo } from '../../../core/model/media-info.ts';
import type { ChunkSpec } from '../../../core/ports/encode-backend.ts';
import { chunkInitFile, chunkInputArgs, chunkOutputArgs, chunkPlaylistFile } from './chunk-args.ts';
import { fileUrl, safeInputArgs } from './demuxers.ts';
import { x264Settings } from './x264-settings.ts';

/** Where each output goes, relative to the output directory. */
export const AUDIO_FOLDER = 'audio';
/** Folder of the stream copy of the source (instant publish). */
export const SOURCE_FOLDER = 'source';
export const POSTER_FILE = 'poster.jpg';
export const THUMBNAIL_FILE = 'thumbnail/thumbnail.jpg';
/** The storyboard's sprite sheet and its WebVTT map (which names the sheet relative to itself). */
export const STORYBOARD_IMAGE_FILE = 'storyboard/storyboard.jpg';
export const STORYBOARD_VTT_FILE = 'storyboard/storyboard.vtt';
/**
 * The storyboard's tiles as the ladder encode writes them, one JPEG each in a raw MJPEG stream; laid
 * out into the sheet afterwards (buildStoryboardSheetArgs). The encode writes each tile as it
 * passes: an output that wrote nothing before the end would hold back ffmpeg's progress reports.
 */
export const STORYBOARD_TILES_FILE = 'storyboard/tiles.mjpeg';
export const MASTER_FILE = 'master.m3u8';
export const PLAYLIST_FILE = 'index.m3u8';
export const INIT_FILE = 'init.mp4';
export const SEGMENT_PATTERN = 'seg_%05d.m4s';
/** The downloadable MP4 (H.264/AAC, faststart). */
export const DOWNLOAD_FILE = 'download.mp4';

export interface TranscodeArgsInput {
  inputPath: string;
  outputDir: string;
  media: MediaInfo;
  plan: LadderPlan;
  /** libx264 preset, e.g. 'veryfast'. */
  preset: string;
  /** Threads per encoder; undefined lets ffmpeg choose. */
  threads?: number;
  /** True when ffmpeg has the zscale filter (real HDR tone mapping). */
  zscale: boolean;
  /** Media playlists written as they grow (EVENT) instead of VOD. */
  progressive?: boolean;
  /**
   * A first playable output (one rung, no stills): the picture is scaled to the rung's size before
   * anything else, so turning it upright and converting it to 8-bit SDR work on the small picture.
   */
  quickStart?: boolean;
  /** Threads of the filter graph (scaling runs there); undefined lets ffmpeg choose. */
  filterThreads?: number;
  /**
   * Also write a downloadable MP4 at `path` in the same run: the best rung's encoded stream and the
   * audio muxed a second time (`ladder`, through the tee muxer: nothing is encoded twice), or the
   * source's own streams remuxed (`source`, for a source fit for stream copy).
   */
  download?: { path: string; from: 'ladder' | 'source' };
  /** One time range of the video rungs (a split ladder's chunk; see chunkInputArgs). */
  chunk?: ChunkSpec;
}

/**
 * The arguments of the single ffmpeg run: the source is decoded once; the picture is turned upright,
 * made constant-frame-rate, converted to 8-bit SDR when needed, then split into one scaled branch per
 * rung plus the poster, thumbnail and storyboard sheet. Audio is encoded once into its own HLS rendition.
 */
export function buildTranscodeArgs(input: TranscodeArgsInput): string[] {
  const { plan, media, outputDir } = input;
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-nostats', '-progress', 'pipe:1', '-stats_period', '0.5'];
  // Rotation is applied explicitly from the plan, so ffmpeg must not rotate on its own as well.
  const keyframes = stillsFromKeyframes(plan, media);
  args.push(
    '-noautorotate',
    ...(keyframes ? ['-skip_frame', 'nokey'] : []),
    ...(input.chunk && plan.video ? chunkInputArgs(input.chunk, plan.video.fps, media) : readLimit(media)),
    ...safeInputArgs(input.inputPath),
  );
  const hasAudio = Boolean(plan.audio && media.audio);
  const teeDownload = input.download?.from === 'ladder' && plan.video && media.video ? input.download.path : null;

  if (plan.video && media.video) {
    const v = plan.video;
    const branches = v.rungs.map((r, i) => ({ label: `v${i}`, chain: scaleChain(r.width, r.height) }));
    if (plan.poster) branches.push({ label: 'poster', chain: stillChain(plan.poster) });
    if (plan.thumbnail) branches.push({ label: 'thumb', chain: stillChain(plan.thumbnail) });
    if (plan.storyboard) {
      // From keyframes, the last one is held to the end, so that the last tiles are not left blank.
      const hold = keyframes ? `tpad=stop_mode=clone:stop_duration=${keyframes.holdSec},` : '';
      branches.push({ label: 'story', chain: hold + storyboardChain(plan.storyboard) });
    }
    // From keyframes alone the rate is not made constant: each still takes the keyframe by its time.
    const head = keyframes ? stillsHeadFilters(plan, media, input.zscale) : headFilters(plan, media, input.zscale);
    const splits = branches.map((_, i) => `[s${i}]`).join('');
    const graph =
      input.quickStart && branches.length === 1
        ? `[0:${media.video.index}]${quickStartChain(plan, media, input.zscale)}[v0]`
        : [
            `[0:${media.video.index}]${head.join(',')},split=${branches.length}${splits}`,
            ...branches.map((b, i) => `[s${i}]${b.chain}[${b.label}]`),
          ].join(';');
    if (input.filterThreads) args.push('-filter_complex_threads', String(input.filterThreads));
    args.push('-filter_complex', graph);

    const gopFrames = Math.max(1, Math.round(v.gopSeconds * v.fps));
    v.rungs.forEach((r, i) => {
      const x264 = x264Settings(r, v.fps);
      args.push(
        '-map', `[v${i}]`,
        '-c:v', 'libx264',
        '-preset', input.preset,
        '-profile:v', x264.profile,
        '-level:v', x264.level,
        '-pix_fmt', 'yuv420p',
        '-crf', String(x264.crf),
        '-maxrate', `${r.maxrateKbps}k`,
        '-bufsize', `${r.bufsizeKbps}k`,
        '-g', String(gopFrames),
        '-sc_threshold', '0',
        '-force_key_frames', `expr:gte(t,n_forced*${v.gopSeconds})`,
        ...(v.toneMap ? ['-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709'] : []),
        ...(input.threads ? ['-threads', String(input.threads)] : []),
        ...(input.chunk ? chunkOutputArgs(input.chunk) : []),
        ...(i === 0 && teeDownload
          ? downloadTee(input, r.name, teeDownload)
          : hlsOutput(outputDir, r.name, plan.segmentSeconds, playlistType(input), input.chunk)),
      );
    });
    if (plan.poster) args.push(...stillOutput('[poster]', join(outputDir, POSTER_FILE)));
    if (plan.thumbnail) args.push(...stillOutput('[thumb]', join(outputDir, THUMBNAIL_FILE)));
    if (plan.storyboard) {
      const tiles = ['-map', '[story]', '-frames:v', String(plan.storyboard.count), '-c:v', 'mjpeg', '-q:v', '3', '-map_metadata', '-1'];
      args.push(...tiles, '-f', 'mjpeg', join(outputDir, STORYBOARD_TILES_FILE));
    }
  }

  if (hasAudio && !teeDownload) {
    args.push(...audioEncodeArgs(plan, media), ...hlsOutput(outputDir, AUDIO_FOLDER, plan.segmentSeconds, playlistType(input)));
  }
  if (input.download?.from === 'source' && media.video) {
    args.push('-map', `0:${media.video.index}`, ...(media.audio ? ['-map', `0:${media.audio.index}`] : []));
    args.push('-c', 'copy', '-sn', '-dn', '-map_metadata', '-1', '-map_chapters', '-1', '-movflags', '+faststart', '-f', 'mp4', input.download.path);
  }
  return args;
}

/** The audio stream and its encoder settings (one AAC encode, whatever outputs it goes to). */
function audioEncodeArgs(plan: LadderPlan, media: MediaInfo): string[] {
  if (!plan.audio || !media.audio) return [];
  const a = plan.audio;
  return [
    '-map', `0:${media.audio.index}`,
    '-c:a', 'aac',
    '-b:a', `${a.bitrateKbps}k`,
    '-ac', String(a.channels),
    '-ar', String(a.sampleRate),
    '-af', 'aresample=async=1',
  ];
}

/**
 * The best rung's output when a download is made from the ladder: the rung and the audio encoded
 * once, written by the tee muxer to the rung's HLS rendition (video only), the audio rendition
 * (audio only) and the MP4 (both, moov first).
 */
function downloadTee(input: TranscodeArgsInput, folder: string, downloadPath: string): string[] {
  const { plan, media, outputDir } = input;
  const hls = (name: string, select: 'v' | 'a'): string => {
    const opts = hlsMuxerOptions(outputDir, name, plan.segmentSeconds, playlistType(input));
    const fields = [`select=${select}`, 'f=hls', ...Object.entries(opts).map(([k, v]) => `${k}=${teeEscape(teeEscape(v))}`)];
    return `[${fields.join(':')}]${teeEscape(join(outputDir, name, PLAYLIST_FILE))}`;
  };
  const slaves = [hls(folder, 'v')];
  const audio = audioEncodeArgs(plan, media);
  if (audio.length > 0) slaves.push(hls(AUDIO_FOLDER, 'a'));
  slaves.push(`[f=mp4:movflags=+faststart]${teeEscape(downloadPath)}`);
  return [
    ...audio,
    // The tee muxer cannot tell its encoders to put codec headers out of band, as MP4 and fMP4 need.
    '-flags', '+global_header',
    '-sn', '-dn', '-map_metadata', '-1', '-map_chapters', '-1',
    '-f', 'tee', slaves.join('|'),
  ];
}

/**
 * A tee muxer text with its separators and escape characters preceded by a backslash. The slave list
 * is unescaped once, and the options of each slave once more: option values are escaped twice.
 */
function teeEscape(value: string): string {
  return value.replace(/[\\:|[\]'=]/g, (c) => `\\${c}`);
}

export interface CopyArgsInput {
  inputPath: string;
  outputDir: string;
  media: MediaInfo;
  segmentSeconds: number;
}

/**
 * The arguments of a stream copy of the source into one HLS rendition (video and audio in the same
 * fMP4 segments), cut at the source's keyframes once `segmentSeconds` have passed, its playlist
 * written as it grows. No decoding, no encoding: it runs at the speed of the disk.
 */
export function buildCopyArgs(input: CopyArgsInput): string[] {
  const { media } = input;
  if (!media.video) throw new ValidationError('a stream copy needs a video stream');
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-nostats', ...readLimit(media), ...safeInputArgs(input.inputPath)];
  args.push('-map', `0:${media.video.index}`);
  if (media.audio) args.push('-map', `0:${media.audio.index}`);
  args.push('-c', 'copy', ...hlsOutput(input.outputDir, SOURCE_FOLDER, input.segmentSeconds, 'event'));
  return args;
}

/**
 * Input option: read no further than the probed duration (from the packets, checked against what
 * they hold) and a little more, so no timestamp met later makes the run longer than planned.
 */
export function readLimit(media: MediaInfo): string[] {
  if (!(media.durationSec > 0)) return [];
  const limit = media.durationSec + Math.max(2, media.durationSec * 0.01);
  return ['-t', String(Math.ceil(limit * 1000) / 1000)];
}

function playlistType(input: TranscodeArgsInput): 'event' | 'vod' {
  return input.progressive ? 'event' : 'vod';
}

/** Arguments of a small run that takes the first frame, when the main run's still came out empty. */
export function buildStillArgs(input: TranscodeArgsInput, still: { width: number; height: number }, outPath: string): string[] {
  const { media, plan } = input;
  if (!media.video || !plan.video) throw new ValidationError('a still needs a video stream');
  const chain = [
    ...rotationFilters(plan.video.rotation),
    ...toneMapFilters(plan.video.toneMap, media.video, input.zscale),
    stillChain({ ...still, atSec: 0 }),
  ].join(',');
  return [
    '-hide_banner', '-nostdin', '-v', 'error', '-noautorotate', ...safeInputArgs(input.inputPath),
    '-filter_complex', `[0:${media.video.index}]${chain}[still]`,
    ...stillOutput('[still]', outPath),
  ];
}

function hlsOutput(outputDir: string, folder: string, segmentSeconds: number, type: 'event' | 'vod', chunk?: ChunkSpec): string[] {
  const opts = Object.entries(hlsMuxerOptions(outputDir, folder, segmentSeconds, type, chunk)).flatMap(([k, v]) => [`-${k}`, v]);
  return ['-sn', '-dn', '-map_metadata', '-1', '-map_chapters', '-1', '-f', 'hls', ...opts, join(outputDir, folder, chunk ? chunkPlaylistFile(chunk.index) : PLAYLIST_FILE)];
}

/** The HLS muxer's options of one rendition folder (fMP4 segments). */
function hlsMuxerOptions(outputDir: string, folder: string, segmentSeconds: number, type: 'event' | 'vod', chunk?: ChunkSpec): Record<string, string> {
  return {
    hls_time: String(segmentSeconds),
    hls_playlist_type: type,
    hls_segment_type: 'fmp4',
    hls_flags: 'independent_segments+temp_file',
    hls_fmp4_init_filename: chunk ? chunkInitFile(chunk.index) : INIT_FILE,
    hls_segment_filename: join(outputDir, folder, SEGMENT_PATTERN),
    // A chunk's fragments carry the whole video's decode times (not times from 0 and an edit list),
    // so every chunk's init segment is the same.
    ...(chunk ? { start_number: String(chunk.firstSegment), hls_segment_options: 'movflags=+frag_discont' } : {}),
  };
}

function stillOutput(label: string, path: string): string[] {
  return ['-map', label, '-frames:v', '1', '-c:v', 'mjpeg', '-q:v', '3', '-map_metadata', '-1', '-f', 'image2', '-update', '1', path];
}

/** The filters every rung shares, before scaling: upright, constant frame rate, 8-bit SDR. */
export function headFilters(plan: LadderPlan, media: MediaInfo, zscale: boolean): string[] {
  if (!plan.video || !media.video) throw new ValidationError('the head filters need a video stream and a video plan');
  const v = plan.video;
  return [...rotationFilters(v.rotation), `fps=fps=${rateString(v.fps)}`, ...toneMapFilters(v.toneMap, media.video, zscale)];
}

/** Keyframes further apart than this are not used for stills alone (a poster later than this after its time). */
export const KEYFRAME_STILLS_MAX_GAP_SEC = 2;

/**
 * Whether a run that makes stills and no rung (the rest part of a split ladder, whose chunks encode
 * the rungs) decodes only the source's keyframes: when they are at most KEYFRAME_STILLS_MAX_GAP_SEC
 * apart and no further apart than the storyboard's interval. The poster and thumbnail are then the
 * first keyframe at or after their time, each storyboard tile the keyframe nearest its time, and the
 * picture is decoded for a small share of the frames instead of all of them. null otherwise.
 */
export function stillsFromKeyframes(plan: LadderPlan, media: MediaInfo): { holdSec: number } | null {
  const gap = media.video?.maxKeyframeIntervalSec;
  if (!plan.video || plan.video.rungs.length > 0 || gap === null || gap === undefined || !(gap > 0)) return null;
  if (!plan.poster && !plan.thumbnail && !plan.storyboard) return null;
  if (gap > KEYFRAME_STILLS_MAX_GAP_SEC || (plan.storyboard && gap > plan.storyboard.intervalSec)) return null;
  return { holdSec: gap };
}

/** The head filters of stills taken from keyframes: upright and 8-bit SDR (no constant rate). */
function stillsHeadFilters(plan: LadderPlan, media: MediaInfo, zscale: boolean): string[] {
  if (!plan.video || !media.video) throw new ValidationError('the head filters need a video stream and a video plan');
  const filters = [...rotationFilters(plan.video.rotation), ...toneMapFilters(plan.video.toneMap, media.video, zscale)];
  return filters.length > 0 ? filters : ['null'];
}

/**
 * The filters of a run with one rung (a first playable output), cheapest first: constant frame
 * rate, then the picture scaled to the rung's size as stored (its sides swapped when it is turned a
 * quarter), then turned upright and converted to 8-bit SDR, which now work on the small picture.
 */
export function quickStartChain(plan: LadderPlan, media: MediaInfo, zscale: boolean): string {
  if (!plan.video || !media.video || plan.video.rungs.length !== 1) throw new ValidationError('a quick start encodes exactly one rung');
  const v = plan.video;
  const rung = v.rungs[0];
  const quarter = v.rotation === 90 || v.rotation === 270;
  const [width, height] = quarter ? [rung.height, rung.width] : [rung.width, rung.height];
  return [
    `fps=fps=${rateString(v.fps)}`,
    `scale=${width}:${height}:flags=bicubic`,
    ...rotationFilters(v.rotation),
    ...toneMapFilters(v.toneMap, media.video, zscale),
    scaleChain(rung.width, rung.height),
  ].join(',');
}

/** One rung's scaling: the exact size, square pixels, 8-bit 4:2:0 limited range. */
export function scaleChain(width: number, height: number): string {
  return `scale=${width}:${height}:flags=bicubic:out_range=tv,setsar=1,format=yuv420p`;
}

/** One frame at atSec (the first frame at or after it), scaled and full-range for JPEG. */
function stillChain(s: { width: number; height: number; atSec: number }): string {
  const trim = s.atSec > 0 ? `trim=start=${s.atSec},` : '';
  return `${trim}trim=end_frame=1,scale=${s.width}:${s.height}:flags=bicubic:out_range=pc,setsar=1,format=yuvj420p`;
}

/**
 * The storyboard's tiles: one frame per interval (the one nearest each interval's start), scaled to
 * the tile size. Laid out in the plan's grid by buildStoryboardSheetArgs.
 */
export function storyboardChain(s: StoryboardPlan): string {
  return [`fps=fps=1/${s.intervalSec}:round=near`, `scale=${s.tileWidth}:${s.tileHeight}:flags=bicubic:out_range=pc,setsar=1,format=yuvj420p`].join(',');
}

/**
 * Lays the tiles the ladder encode wrote (STORYBOARD_TILES_FILE, vodkit's own file) out in the
 * plan's grid, as one JPEG sheet; a short last row is left blank.
 */
export function buildStoryboardSheetArgs(tilesPath: string, s: StoryboardPlan, outPath: string): string[] {
  return [
    '-hide_banner', '-nostdin', '-v', 'error', '-protocol_whitelist', 'file', '-format_whitelist', 'mjpeg', '-f', 'mjpeg', '-framerate', '1',
    '-i', fileUrl(tilesPath),
    '-vf', `tile=${s.columns}x${s.rows}`, '-frames:v', '1', '-c:v', 'mjpeg', '-q:v', '3', '-map_metadata', '-1', '-f', 'image2', '-update', '1', outPath,
  ];
}

function rotationFilters(rotation: 0 | 90 | 180 | 270): string[] {
  if (rotation === 90) return ['transpose=clock'];
  if (rotation === 270) return ['transpose=cclock'];
  if (rotation === 180) return ['hflip', 'vflip'];
  return [];
}

/**
 * PQ/HLG sources are tone mapped to SDR bt709 with zscale + tonemap (hable). Without zscale, and for
 * deep-colour SDR sources, the scale branches' format=yuv420p reduces the bit depth.
 */
function toneMapFilters(toneMap: boolean, v: VideoStreamInfo, zscale: boolean): string[] {
  const hdr = v.colorTransfer === 'smpte2084' || v.colorTransfer === 'arib-std-b67';
  if (!toneMap || !hdr || !zscale) return [];
  const wide = v.colorPrimaries === null || v.colorPrimaries === 'bt2020';
  const source = [`tin=${v.colorTransfer}`, ...(wide ? ['pin=bt2020', 'min=bt2020nc'] : [])].join(':');
  return [
    `zscale=${source}:t=linear:npl=100`,
    'format=gbrpf32le',
    'zscale=p=bt709',
    'tonemap=tonemap=hable:desat=0',
    'zscale=t=bt709:m=bt709:r=tv',
    'format=yuv420p',
  ];
}

/** A frame rate for ffmpeg: NTSC rates as n/1001, others with up to 3 decimals. */
export function rateString(fps: number): string {
  const ntsc = (fps * 1001) / 1000;
  if (Math.abs(ntsc - Math.round(ntsc)) < 0.001 && Math.abs(fps - Math.round(fps)) > 0.001) {
    return `${Math.round(ntsc) * 1000}/1001`;
  }
  return String(Math.round(fps * 1000) / 1000);
}
