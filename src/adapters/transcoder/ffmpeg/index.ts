export { FfmpegTranscoder, type FfmpegTranscoderOptions } from './ffmpeg-transcoder.ts';
export { locateFfmpeg, type FfmpegPaths } from './locate-ffmpeg.ts';
export { DEMUXER_WHITELIST } from './demuxers.ts';
