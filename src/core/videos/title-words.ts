/**
 * The words of a title, as the catalogs' search and title sort see them: the text is decomposed
 * (NFKD), its combining marks dropped and lower-cased, then cut into runs of letters and digits.
 * "Été à l'Île-d'Yeu" has the words ete, a, l, ile, d, yeu. A search matches a video when every
 * word of the query begins one of the title's words ("ile yeu" and "Î" match, "le" does not).
 */

/** How many words of a search are used (the rest are ignored). */
export const MAX_SEARCH_WORDS = 10;

/** The words of `text`, folded (lower case, no accents), in order. */
export function titleWords(text: string): string[] {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The sort and search key of a title: its words, separated by one space. */
export function titleKey(title: string): string {
  return titleWords(title).join(' ');
}

/** The distinct words of a search, at most MAX_SEARCH_WORDS; [] when it has none. */
export function searchWords(query: string): string[] {
  return [...new Set(titleWords(query))].slice(0, MAX_SEARCH_WORDS);
}

/** Whether every one of `words` (from searchWords) begins a word of `title`. */
export function titleMatches(title: string, words: readonly string[]): boolean {
  if (words.length === 0) return true;
  const own = titleWords(title);
  return words.every((w) => own.some((o) => o.startsWith(w)));
}
