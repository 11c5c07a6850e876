import { h } from '../dom.ts';

type Cell = Node | string | null;

/**
 * A table of the account page. Each cell carries its column's name, so that on a phone every row
 * becomes a small card of "Name: value" lines instead of a table wider than the screen.
 */
export function accountTable(caption: string, columns: string[], rows: Array<{ attrs: Record<string, string>; cells: Cell[][] }>): HTMLTableElement {
  return h(
    'table',
    { class: 'account-table' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c)))),
    h(
      'tbody',
      {},
      ...rows.map((row) =>
        h(
          'tr',
          row.attrs,
          // A column without a name holds the row's buttons.
          ...row.cells.map((children, i) => (columns[i] ? h('td', { 'data-label': columns[i] }, ...children) : h('td', {}, h('div', { class: 'account-actions' }, ...children)))),
        ),
      ),
    ),
  );
}
