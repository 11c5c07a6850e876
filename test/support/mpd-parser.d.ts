/** The part of mpd-parser (a DASH manifest parser without types of its own) the tests use. */
declare module 'mpd-parser' {
  /** Parses an MPD into an HLS-like manifest: `playlists` (video) and `mediaGroups.AUDIO`. */
  export function parse(text: string, options?: { manifestUri?: string }): any;
}
