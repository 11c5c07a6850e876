export { FfmpegTranscoder, type FfmpegTranscoderOptions } from './ffmpeg-transcoder.ts';
export { locateFfmpeg, type FfmpegPaths } from './locate-ffmpeg.ts';
export { DEMUXER_WHITELIST } from './demuxers.ts';
export { openFfmpegEncoding, type FfmpegEncoding, type FfmpegEncodingOptions } from './ffmpeg-encoding.ts';
export { FfmpegEncodeBackend } from './ffmpeg-encode-backend.ts';
export { FfmpegMediaProbe } from './ffmpeg-media-probe.ts';
