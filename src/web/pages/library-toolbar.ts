import type { LibraryQuery } from '../api.ts';
import { h } from '../dom.ts';

/**
 * The library's search box, filters and order. They live in the page's URL (`/?q=paris&status=ready
 * &sort=title`), so a filtered library can be shared and survives a reload; typing in the search
 * box updates it after a short pause.
 */

export type SortChoice = 'newest' | 'oldest' | 'title' | 'duration';

export interface LibraryFilters {
  q: string;
  status: string;
  visibility: string;
  sort: SortChoice;
}

const SORTS: Record<SortChoice, { label: string; query: Pick<LibraryQuery, 'sort' | 'order'> }> = {
  newest: { label: 'Newest first', query: {} },
  oldest: { label: 'Oldest first', query: { sort: 'created', order: 'asc' } },
  title: { label: 'Title', query: { sort: 'title' } },
  duration: { label: 'Duration', query: { sort: 'duration' } },
};

const STATUSES: Array<[string, string]> = [
  ['', 'All statuses'],
  ['ready', 'Ready'],
  ['processing', 'Processing'],
  ['queued', 'Queued'],
  ['failed', 'Failed'],
  ['waiting', 'Waiting for upload'],
];

const VISIBILITIES: Array<[string, string]> = [
  ['', 'Any visibility'],
  ['private', 'Private'],
  ['unlisted', 'Unlisted'],
  ['public', 'Public'],
];

/** Typing pauses this long before the search runs. */
const SEARCH_DELAY_MS = 300;

export function filtersFromUrl(search: string): LibraryFilters {
  const params = new URLSearchParams(search);
  const pick = (name: string, allowed: Array<[string, string]>) => {
    const value = params.get(name) ?? '';
    return allowed.some(([v]) => v === value) ? value : '';
  };
  const sort = params.get('sort') ?? '';
  return {
    q: (params.get('q') ?? '').slice(0, 200),
    status: pick('status', STATUSES),
    visibility: pick('visibility', VISIBILITIES),
    sort: sort in SORTS ? (sort as SortChoice) : 'newest',
  };
}

/** The page's URL for these filters (`/` when there are none). */
export function urlOf(filters: LibraryFilters): string {
  const params = new URLSearchParams();
  if (filters.q.trim()) params.set('q', filters.q.trim());
  if (filters.status) params.set('status', filters.status);
  if (filters.visibility) params.set('visibility', filters.visibility);
  if (filters.sort !== 'newest') params.set('sort', filters.sort);
  const query = params.toString();
  return query ? `/?${query}` : '/';
}

export function listQuery(filters: LibraryFilters): LibraryQuery {
  return { q: filters.q.trim(), status: filters.status, visibility: filters.visibility, ...SORTS[filters.sort].query };
}

/** Whether the library shows everything newest first (new uploads then belong at its top). */
export function isPlain(filters: LibraryFilters): boolean {
  return !filters.q.trim() && !filters.status && !filters.visibility && filters.sort === 'newest';
}

function select(label: string, name: string, options: Array<[string, string]>, value: string, onChange: (value: string) => void): HTMLSelectElement {
  const el = h(
    'select',
    { class: 'select select-small', name, 'aria-label': label, onchange: () => onChange(el.value) },
    ...options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
  );
  return el;
}

/** The toolbar; `onChange` gets the new filters (the search after a pause in typing). */
export function libraryToolbar(initial: LibraryFilters, onChange: (filters: LibraryFilters) => void): { element: HTMLElement; destroy(): void } {
  let filters = { ...initial };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const change = (patch: Partial<LibraryFilters>) => {
    filters = { ...filters, ...patch };
    onChange(filters);
  };
  const search = h('input', {
    type: 'search',
    class: 'library-search',
    name: 'q',
    value: initial.q,
    placeholder: 'Search titles',
    'aria-label': 'Search videos by title',
    maxlength: 200,
    autocomplete: 'off',
  });
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => change({ q: search.value }), SEARCH_DELAY_MS);
  });
  search.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    clearTimeout(timer);
    change({ q: search.value });
  });
  const sortOptions = (Object.keys(SORTS) as SortChoice[]).map((k): [string, string] => [k, SORTS[k].label]);
  const element = h(
    'form',
    { class: 'library-toolbar', role: 'search', 'aria-label': 'Search and filter videos', onsubmit: (e: Event) => e.preventDefault() },
    search,
    select('Filter by status', 'status', STATUSES, initial.status, (status) => change({ status })),
    select('Filter by visibility', 'visibility', VISIBILITIES, initial.visibility, (visibility) => change({ visibility })),
    select('Sort videos', 'sort', sortOptions, initial.sort, (sort) => change({ sort: sort as SortChoice })),
  );
  return { element, destroy: () => clearTimeout(timer) };
}
