import type { Pool } from 'pg';
import { titleKey } from '../../../core/videos/title-words.ts';
import { quoteIdent } from './migrate.ts';

/**
 * Title search on PostgreSQL: videos.title_key holds the title's folded words
 * (core/videos/title-words.ts) and search_vector, generated from it with the 'simple'
 * configuration, is indexed with GIN (migration 9).
 */

/** A tsquery for rows having every word as a prefix of one of theirs: each word quoted as a lexeme, never tsquery syntax. */
export function prefixTsQuery(words: string[]): string {
  return words.map((w) => `'${w.replace(/\\/g, '\\\\').replace(/'/g, "''")}':*`).join(' & ');
}

/**
 * Fills title_key for the videos written before it existed, in batches; the catalog writes it
 * with every title from then on. Runs when the catalog opens: a no-op once done.
 */
export async function fillTitleKeys(pool: Pool, schema: string): Promise<void> {
  const videos = `${quoteIdent(schema)}.videos`;
  for (;;) {
    const { rows } = await pool.query<{ id: string; title: string }>(`SELECT id, title FROM ${videos} WHERE title_key IS NULL LIMIT 500`);
    if (rows.length === 0) return;
    await pool.query(`UPDATE ${videos} AS v SET title_key = k.key FROM unnest($1::text[], $2::text[]) AS k(id, key) WHERE v.id = k.id`, [
      rows.map((r) => r.id),
      rows.map((r) => titleKey(r.title)),
    ]);
  }
}
