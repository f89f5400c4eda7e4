// edgereplay's tracker: cookieless, batched, private. Budget: 2 KB gzip (the
// build fails past it). Everything runs inside `guard`, so nothing here can
// throw into the host page.
import { MAX_BATCH, type SessionStart } from '../../js-shim/src/contract';
import { backoff, FLUSH_AT, idOf, readJson, readOutbox, writeOutbox, type Body, type Ev, type Pending } from './outbox';

declare const REPLAY_FILE: string; // set by the build: tracker-replay.<hash>.js

// The server's session/start answer, plus the next seq and the last activity.
type Session = SessionStart & { seq: number; la: number };
type Queued = { (...args: unknown[]): void; q?: IArguments[] };

// The replay chunk, once loaded, records through push/flush and may set
// __er_z, which gzips a batch body (CompressionStream) before it is sent.
const w = window as unknown as Window & {
  edgereplay?: Queued;
  __er_record?: (push: (e: Omit<Ev, 'ts'> & { ts?: number }) => void, flush: () => void) => void;
  __er_z?: (body: string) => Promise<Uint8Array>;
};
const d = document;
const n = navigator as Navigator & { globalPrivacyControl?: boolean };
const script = d.currentScript as HTMLScriptElement | null;
const attr = (k: string) => script && script.getAttribute('data-' + k);
const SESSION_KEY = 'er_s';
const OUTBOX_KEY = 'er_o';
const IDLE_MS = 18e5; // a new session after 30 minutes without activity
const now = Date.now;

const debug = attr('debug') != null;
// The one place that decides to drop something, and says why in debug mode.
const drop = (why: unknown, what?: unknown) => debug && console.warn('edgereplay', why, what);

function guard<A extends unknown[]>(fn: (...a: A) => void) {
  return (...a: A) => {
    try {
      fn(...a);
    } catch (e) {
      drop(e);
    }
  };
}

guard(() => {
  const site = attr('site');
  if (!site) return drop('site');
  const api = attr('api') || new URL(script!.src).origin;
  if (attr('respect-dnt') != 'false' && (n.doNotTrack == '1' || n.globalPrivacyControl)) return drop('dnt');
  const maskAll = attr('mask') == 'all';

  const ss = sessionStorage;
  const ls = localStorage;
  // The session sits in sessionStorage only while no page of this tab runs:
  // taken on load (and on a return from the back-forward cache, as a later
  // page may have moved it on), put back on pagehide. "Duplicate tab" (and
  // window.open) copy a live page's sessionStorage, so the copy finds none
  // and starts a session of its own: two pages never share a seq counter.
  let s: Session | null = null;
  const take = () => {
    s = readJson<Session>(ss, SESSION_KEY) || s;
    ss.removeItem(SESSION_KEY);
  };
  take();
  let queue: Ev[] = [];
  let outbox = readOutbox(ls, OUTBOX_KEY);
  const inflight: Record<string, 1> = {};
  let tries = 0;
  let retryTimer = 0;
  let scrollMax = 0;
  let scrollSent = 0;
  let url = location.href;

  const post = async (path: string, body: string, beacon?: boolean) =>
    beacon && n.sendBeacon(api + path, body) ? 202 : (await fetch(api + path, { method: 'POST', body: w.__er_z ? await w.__er_z(body) : body, keepalive: body.length < 6e4 })).status;

  function deliver(p: Pending, beacon?: boolean) {
    const id = idOf(p);
    if (inflight[id]) return;
    inflight[id] = 1;
    post(p.ended_at ? '/track/session/end' : '/track/events/batch', JSON.stringify(p), beacon)
      .then((status) => {
        // 2xx: stored; 4xx: will never be accepted (but 429: later). Either way it leaves the outbox.
        if (status >= 500 || status == 429) throw 0;
        if (status >= 400) drop(status);
        outbox = outbox.filter((o) => idOf(o) != id);
        writeOutbox(ls, OUTBOX_KEY, outbox);
        tries = 0;
      })
      .catch(() => {
        clearTimeout(retryTimer);
        retryTimer = setTimeout(retry, backoff(tries++)) as unknown as number;
      })
      .finally(() => delete inflight[id]);
  }
  const retry = () => outbox.forEach((p) => deliver(p));

  // Batches of at most the server's max_batch events (a session stored by an
  // earlier tracker has none: then the contract's).
  // Called only with a session (flush and "end" check first).
  function cut(end?: number) {
    do {
      const b: Body = { session_id: s!.session_id, session_started_at: s!.session_started_at, token: s!.token, seq: s!.seq++, events: queue.splice(0, s!.max_batch || MAX_BATCH) };
      if (end && !queue.length) b.ended_at = end;
      outbox.push(b);
    } while (queue.length);
    writeOutbox(ls, OUTBOX_KEY, outbox);
  }

  // Sends what is queued. `leaving`: the page is going away, so use a beacon.
  function flush(leaving?: boolean) {
    if (scrollMax > scrollSent) push({ type: 'scroll', scroll_percent: (scrollSent = scrollMax) });
    if (!s || !queue.length) return;
    cut();
    outbox.forEach((p) => deliver(p, leaving));
  }

  function push(e: Omit<Ev, 'ts'> & { ts?: number }) {
    const t = now();
    queue.push({ ts: t, ...e } as Ev);
    if (s) s.la = t;
    if (queue.length >= FLUSH_AT) flush();
  }

  function pageView() {
    flush();
    scrollMax = scrollSent = 0;
    push({ type: 'page_view', url });
  }


  async function begin() {
    // Idle for 30 minutes: a new session (the server's cron ends the old one).
    if (s && now() - s.la > IDLE_MS) s = null;
    if (!s) {
      const r = await fetch(api + '/track/session/start', {
        method: 'POST',
        // Language and time zone come from the request's headers at the server;
        // navigator.webdriver (automation) flags the session as a bot's.
        body: JSON.stringify({ site_id: site, url, referrer: d.referrer, screen: screen.width + 'x' + screen.height, webdriver: n.webdriver }),
      });
      if (!r.ok) {
        if (r.status >= 500) throw 0;
        return; // unknown site or origin: nothing to retry
      }
      s = await r.json();
      s!.seq = 0;
      s!.la = now();
    }
    retry();
    flush();
    setInterval(guard(flush), s!.batch_interval_ms); // always a positive number (routes/track.ts)
    if (s!.replay && attr('replay') != 'false') {
      const el = d.createElement('script');
      el.src = api + '/' + REPLAY_FILE;
      el.onload = guard(() => w.__er_record!(push, flush));
      d.head.appendChild(el);
    }
  }

  // Custom events through the queue-style global, which may already hold calls.
  const api_ = guard((cmd: unknown, name?: unknown, props?: unknown) => {
    // props must be an object, or the server drops the whole event.
    if (cmd == 'event' && name) push({ type: 'custom', name: '' + name, props: Object(props) === props ? props : undefined });
    if (cmd == 'end' && s) {
      flush();
      cut(now());
      retry();
      s = null;
    }
  });
  const queued = (w.edgereplay && w.edgereplay.q) || [];
  w.edgereplay = api_ as Queued;

  const masked = (el: Element) => {
    const m = el.closest('[data-er-mask],[data-er-unmask]');
    return m ? m.hasAttribute('data-er-mask') : maskAll;
  };
  const selector = (el: Element | null) => {
    const parts: string[] = [];
    for (let k = 0; el && k < 3 && el != d.body; k++, el = el.parentElement) {
      parts.unshift(el.tagName.toLowerCase() + (el.id ? '#' + el.id : el.classList[0] ? '.' + el.classList[0] : ''));
      if (el.id) break;
    }
    return parts.join('>');
  };

  // Capture phase: a page's stopPropagation() does not hide its clicks from us.
  const on = (t: EventTarget, type: string, fn: (e: any) => void) => t.addEventListener(type, guard(fn), true);
  on(d, 'click', (e: MouseEvent) => {
    const target = e.target as Element;
    const el = (target.closest && target.closest('a,button,[role=button],input,select,textarea,label')) || target;
    // textContent never holds what a visitor typed (that is in .value), so
    // inputs contribute no text; masked elements none at all.
    const text = masked(el) ? undefined : el.textContent!.trim().slice(0, 80);
    push({ type: 'click', x: e.pageX | 0, y: e.pageY | 0, w: innerWidth, selector: selector(el), text });
  });
  on(w, 'scroll', () => {
    // The server clamps to 100 (elastic overscroll can pass it).
    const pct = (((w.scrollY + innerHeight) * 100) / d.documentElement.scrollHeight) | 0;
    if (pct > scrollMax) scrollMax = pct;
  });
  on(d, 'visibilitychange', () => {
    push({ type: 'visibility', state: d.visibilityState });
    if (d.hidden) flush(true);
  });
  on(w, 'pagehide', () => {
    flush(true);
    ss.setItem(SESSION_KEY, JSON.stringify(s)); // "null" after an end reads back as none
    // Handed on: this page cuts no more batches (visibilitychange follows
    // pagehide) unless it comes back from the back-forward cache (pageshow).
    s = null;
  });
  on(w, 'pageshow', take);
  if (attr('errors') != null) on(w, 'error', (e: ErrorEvent) => push({ type: 'error', message: ('' + e.message).slice(0, 500), source: e.filename }));

  // Single-page apps: a page view whenever the URL changes.
  const changed = () => {
    if (url != (url = location.href)) pageView();
  };
  const safeChanged = guard(changed);
  for (const m of ['pushState', 'replaceState'] as const) {
    const orig = history[m];
    history[m] = function (this: History, ...a: Parameters<History['pushState']>) {
      orig.apply(this, a);
      safeChanged();
    };
  }
  on(w, 'popstate', changed);
  on(w, 'hashchange', changed);

  // Runs begin once; offline or a 5xx at start: events wait in memory and
  // the start is tried again.
  let starting = 0;
  const later = (): unknown => starting || ((starting = 1), begin().catch(() => setTimeout(later, 5e3)).finally(() => (starting = 0)));
  on(w, 'online', () => (s || later(), retry()));
  pageView();
  for (const args of queued) api_(...(args as unknown as [unknown, unknown?, unknown?]));
  later();
})();
