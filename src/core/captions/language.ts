import { ValidationError } from '../errors.ts';

/**
 * Language tags of caption tracks (BCP 47, e.g. "en", "pt-BR", "zh-Hant", "und"), in their
 * canonical form, and the names shown for them.
 */

/** language[-script][-region][-variant…][-x-private…], the shape vodkit accepts. */
const BCP47 = /^[a-z]{2,3}(?:-[a-z]{4})?(?:-(?:[a-z]{2}|\d{3}))?(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*(?:-x(?:-[a-z\d]{1,8})+)?$/i;

/** The canonical tag ("pt-br" → "pt-BR", "eng" → "en"); ValidationError when it is not a language tag. */
export function canonicalLanguage(tag: string): string {
  const trimmed = tag.trim();
  if (trimmed.length > 35 || !BCP47.test(trimmed)) {
    throw new ValidationError(`"${trimmed.slice(0, 40)}" is not a language tag (BCP 47, e.g. "en" or "pt-BR")`);
  }
  try {
    return Intl.getCanonicalLocales(trimmed)[0] ?? trimmed;
  } catch {
    throw new ValidationError(`"${trimmed}" is not a language tag (BCP 47, e.g. "en" or "pt-BR")`);
  }
}

/** The canonical tag, or null when `tag` is not one (a stream's tag from a file). */
export function languageOrNull(tag: string | null | undefined): string | null {
  if (!tag) return null;
  try {
    return canonicalLanguage(tag);
  } catch {
    return null;
  }
}

/** The English name of a language ("pt-BR" → "Brazilian Portuguese"), or the tag itself. */
export function languageName(tag: string): string {
  if (tag === 'und' || tag.startsWith('und-')) return 'Unknown language';
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' }).of(tag) ?? tag;
  } catch {
    return tag;
  }
}

/** Checks a label shown in the player's captions menu: 1 to 100 characters, one line, no quotes. */
export function checkLabel(label: string): string {
  const trimmed = label.trim();
  if (!trimmed || trimmed.length > 100 || /["\r\n\u0000-\u001f]/.test(trimmed)) {
    throw new ValidationError('the label must be 1 to 100 characters on one line, without double quotes');
  }
  return trimmed;
}
