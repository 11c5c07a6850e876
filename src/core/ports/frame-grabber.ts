/**
 * FrameGrabber: takes one picture out of a published video, on request (thumbnails at a chosen time,
 * the poster frame the owner picks). It is given a self-contained piece of the video (a rendition's
 * fMP4 init segment followed by one of its media segments, as published: upright, SDR, square
 * pixels) and the time of the frame in that piece, and gives back a JPEG of exactly the size asked.
 * Adapters: ffmpeg (src/adapters/transcoder/ffmpeg/frame-grabber.ts). Deployments without one (the
 * AWS functions carry no ffmpeg) leave it out: what needs it then says it is not available.
 */
export interface FrameGrabRequest {
  /** The video the piece belongs to (for logs and scratch names). */
  videoId: string;
  /** An fMP4 init segment followed by one media segment of the same rendition. */
  media: Buffer;
  /** Seconds from the start of the piece; past its last frame, its last frame is taken. */
  offsetSec: number;
  /** Size of the JPEG, even numbers, in the picture's aspect. */
  width: number;
  height: number;
  signal?: AbortSignal;
}

export interface FrameGrabber {
  /** The frame as JPEG bytes. UnsupportedMediaError when the piece holds no picture. */
  grab(request: FrameGrabRequest): Promise<Buffer>;
}
