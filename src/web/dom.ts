/** A tiny element builder: h('button', { class: 'btn', onclick: fn }, 'Save'). Text is always text, never HTML. */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** An inline SVG icon from a path list (24x24 viewBox, stroke style). Decorative: hidden from assistive tech. */
export function icon(paths: string, className = 'icon'): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', className);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const d of paths.split('|')) {
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', d);
    svg.appendChild(path);
  }
  return svg;
}

export const ICONS = {
  upload: 'M12 16V4|M7 9l5-5 5 5|M4 17v2a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-2',
  play: 'M8 5.5v13l11-6.5z',
  link: 'M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1|M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1',
  trash: 'M4 7h16|M10 11v6|M14 11v6|M6 7l1 12a1 1 0 0 0 1 1h8a1 1 0 0 0 1-1l1-12|M9 7V4h6v3',
  edit: 'M4 20h4L19 9l-4-4L4 16z|M14 6l4 4',
  back: 'M15 18l-6-6 6-6',
  close: 'M6 6l12 12|M18 6L6 18',
  retry: 'M4 12a8 8 0 1 0 2.3-5.7|M4 4v4h4',
  alert: 'M12 8v5|M12 16.5v.5|M10.3 3.9L2.4 18a2 2 0 0 0 1.7 3h15.8a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z',
  film: 'M4 5h16v14H4z|M8 5v14|M16 5v14|M4 9h4|M4 15h4|M16 9h4|M16 15h4',
  check: 'M5 12l5 5 9-10',
  music: 'M9 18V5l11-2v13|M9 18a3 3 0 1 1-6 0 3 3 0 0 1 6 0z|M20 16a3 3 0 1 1-6 0 3 3 0 0 1 6 0z',
};
