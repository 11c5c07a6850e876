import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The real-media corpus (phones, cameras, broken files) lives outside the repository.
 * VODKIT_TEST_MEDIA points at it (default ../shared/media). When it is absent the real-media
 * tests are skipped with a loud message, except under CI=true, where its absence is a failure.
 */
export const realMediaDir = resolve(process.env.VODKIT_TEST_MEDIA ?? '../shared/media');

export function realMediaAvailable(): boolean {
  const present = existsSync(realMediaDir);
  if (!present) {
    if (process.env.CI === 'true') {
      throw new Error(`CI=true but the real-media corpus is missing at ${realMediaDir} (set VODKIT_TEST_MEDIA)`);
    }
    console.warn(
      `\n*** REAL-MEDIA TESTS SKIPPED: ${realMediaDir} does not exist. ` +
        `Set VODKIT_TEST_MEDIA to a folder of real media files to run them. ***\n`,
    );
  }
  return present;
}

export function realMedia(name: string): string {
  return resolve(realMediaDir, name);
}
