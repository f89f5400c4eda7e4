// Path routing under /app with the History API: links stay real links (open
// in a new tab, copy the address), and a same-origin click on one renders the
// next view without a page load.
let renderFn: (opts: { focus: boolean }) => void = () => {};

export function onNavigate(fn: (opts: { focus: boolean }) => void): void {
  renderFn = fn;
  window.addEventListener('popstate', () => renderFn({ focus: true }));
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = e.target instanceof Element ? e.target.closest('a') : null;
    if (!a || a.target || a.hasAttribute('download')) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || !url.pathname.startsWith('/app')) return;
    // A link to a place on this page (#main) is the browser's to follow.
    if (url.hash && url.pathname === location.pathname && url.search === location.search) return;
    e.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  });
}

/** Goes to a dashboard URL; a change of path moves focus to the new view's heading. */
export function navigate(href: string, opts: { replace?: boolean } = {}): void {
  const samePath = new URL(href, location.href).pathname === location.pathname;
  if (opts.replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  renderFn({ focus: !samePath });
}

/** Changes the address without rendering (state a view already shows). */
export function rewrite(href: string): void {
  history.replaceState(null, '', href);
}

export interface Match {
  params: Record<string, string>;
}

/** Matches `/app/sessions/:id` style patterns. */
export function match(pattern: string, path: string): Match | null {
  const a = pattern.split('/').filter(Boolean);
  const b = path.replace(/\/+$/, '').split('/').filter(Boolean);
  if (a.length !== b.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    if (a[i].startsWith(':')) {
      try {
        params[a[i].slice(1)] = decodeURIComponent(b[i]);
      } catch {
        return null;
      }
    } else if (a[i] !== b[i]) return null;
  }
  return { params };
}
