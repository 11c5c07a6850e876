import { errorMessage, NotFoundError, UnsupportedMediaError, VodkitError } from '../errors.ts';
import { withoutServerPaths } from '../server-paths.ts';

/**
 * What users are told when a video fails, and what the logs keep.
 *
 * vodkit's own errors carry a sentence meant for people (the ffmpeg adapter turns the tools' output
 * into one, keeping the raw lines as the error's cause). Anything else (a Node error naming a file,
 * a driver's message) is said in general terms. Whatever the source, a path on the server never
 * reaches a user: it is replaced, as a last safeguard.
 */

/** The reason a failed video shows. */
export function failureReason(err: unknown): string {
  const said = err instanceof VodkitError ? err.message : 'an unexpected error happened on the server';
  return withoutServerPaths(said);
}

/** True when the file itself is the cause (not media, damaged, beyond the limits, gone): trying again would fail the same way. */
export function failedForGood(err: unknown): boolean {
  return err instanceof UnsupportedMediaError || err instanceof NotFoundError;
}

/** The error and its causes, raw, for the logs (an ffmpeg failure's cause holds the tool's last lines). */
export function errorDetail(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    parts.push(errorMessage(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join('\ncaused by: ');
}
