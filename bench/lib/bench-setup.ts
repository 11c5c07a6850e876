import { existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * What a benchmark run can use on this machine. Neither the media corpus nor nginx is required:
 * without the corpus the sections use their generated inputs only; without nginx the serving
 * section measures vodkit alone. The report says which was left out.
 */

/** Whether the media corpus is at `dir`, and the report's sentence about it. */
export function describeCorpus(dir: string): { found: boolean; note: string } {
  const found = existsSync(dir) && statSync(dir).isDirectory();
  return found
    ? { found, note: `Media corpus: ${dir} (its files are rows of the time-to-playable and ladder tables, beside the generated inputs).` }
    : {
        found,
        note:
          `Media corpus: not found at ${dir}, so only generated inputs were used ` +
          '(give --media <dir> or VODKIT_TEST_MEDIA to add its files as rows).',
      };
}

/** The nginx binary: Debian's /usr/sbin/nginx, else the first `nginx` on `path`; null when there is none. */
export function findNginx(path = process.env.PATH ?? '', candidates = ['/usr/sbin/nginx']): string | null {
  const onPath = path
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, 'nginx'));
  return [...candidates, ...onPath].find((file) => existsSync(file) && statSync(file).isFile()) ?? null;
}

/** The report's sentence about the nginx comparison when nginx is missing. */
export const NGINX_LEFT_OUT =
  'Left out: the nginx comparison of the media serving section (nginx is not installed: apt-get install nginx); vodkit was measured alone.';
