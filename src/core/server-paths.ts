/** A path on the server never reaches a user: what replaces it in sentences users see (failure reasons, video facts). */

/**
 * Absolute paths of two or more segments and file: URLs ("/srv/data/objects/sources/x.mp4",
 * "file:/tmp/x/y"), not inside a word or a URL ("MP4/MOV", "input/output", "http://host/a/b").
 */
const SERVER_PATH = /(?<![\w.:/\\])(?:file:)?\/(?:[\w.@%+~-]+\/)+[\w.@%+~-]*/g;

export function withoutServerPaths(text: string): string {
  return text.replace(SERVER_PATH, 'a file on the server');
}
