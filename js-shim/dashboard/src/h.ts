// JSX onto real DOM nodes, with no framework: views build their DOM once per
// render and replace it. Text always goes in as text nodes, never as HTML, so
// page URLs, titles and click texts recorded from tracked sites cannot inject
// markup into the dashboard.
export type Child = Node | string | number | boolean | null | undefined | Child[];
type Props = Record<string, unknown> | null;
type Component = (props: Record<string, unknown> & { children: Child[] }) => Node;

const SVG_NS = 'http://www.w3.org/2000/svg';
const SVG_TAGS = new Set(['svg', 'path', 'circle', 'rect', 'line', 'polyline', 'g', 'title']);
// Set as properties, so they reflect the live state rather than the default.
const PROPERTIES = new Set(['value', 'checked', 'selected', 'indeterminate']);

export function append(parent: Node, children: Child[] | Child): void {
  if (Array.isArray(children)) {
    for (const c of children) append(parent, c);
  } else if (children instanceof Node) {
    parent.appendChild(children);
  } else if (children !== null && children !== undefined && children !== false && children !== true) {
    parent.appendChild(document.createTextNode(String(children)));
  }
}

function setProp(el: Element, key: string, value: unknown): void {
  if (value === undefined || value === null || value === false) return;
  if (key === 'ref') {
    (value as (el: Element) => void)(el);
  } else if (key === 'style') {
    // CSSOM, not a style attribute: allowed by a CSP without 'unsafe-inline'.
    const style = (el as HTMLElement).style;
    for (const [name, v] of Object.entries(value as Record<string, string | number>)) {
      if (name.startsWith('--')) style.setProperty(name, String(v));
      else (style as unknown as Record<string, string>)[name] = String(v);
    }
  } else if (key.startsWith('on') && typeof value === 'function') {
    el.addEventListener(key.slice(2).toLowerCase(), value as EventListener);
  } else if (PROPERTIES.has(key)) {
    (el as unknown as Record<string, unknown>)[key] = value;
  } else if (key === 'class' || key === 'className') {
    el.setAttribute('class', String(value));
  } else {
    el.setAttribute(key, value === true ? '' : String(value));
  }
}

export function h(tag: string | Component, props: Props, ...children: Child[]): HTMLElement {
  if (typeof tag === 'function') return tag({ ...(props ?? {}), children }) as HTMLElement;
  const el = SVG_TAGS.has(tag) ? document.createElementNS(SVG_NS, tag) : document.createElement(tag);
  for (const key in props) setProp(el, key, props[key]);
  append(el, children);
  return el as HTMLElement;
}

export function Fragment(props: { children: Child[] }): HTMLElement {
  const f = document.createDocumentFragment();
  append(f, props.children);
  return f as unknown as HTMLElement;
}

/** Class names from a map of name → condition. */
export function cls(...parts: (string | false | null | undefined | Record<string, unknown>)[]): string {
  const out: string[] = [];
  for (const p of parts) {
    if (!p) continue;
    if (typeof p === 'string') out.push(p);
    else for (const [k, v] of Object.entries(p)) if (v) out.push(k);
  }
  return out.join(' ');
}

/** Replaces an element's content. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    type Element = HTMLElement;
    interface IntrinsicElements {
      [tag: string]: Record<string, unknown>;
    }
  }
}
