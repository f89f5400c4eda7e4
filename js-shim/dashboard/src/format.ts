// How numbers, times and places read in the dashboard. English, with the
// reader's locale only for digit grouping; dates and times are UTC, as the API's days are.
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const compactFmt = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export function count(n: number | null | undefined): string {
  return integer.format(Number(n ?? 0));
}

/** 1,234 up to 9,999, then 12.3K, 4.5M. */
export function compact(n: number | null | undefined): string {
  const v = Number(n ?? 0);
  return Math.abs(v) < 10_000 ? integer.format(v) : compactFmt.format(v);
}

export function percent(ratio: number | null | undefined, digits = 0): string {
  return `${(Number(ratio ?? 0) * 100).toFixed(digits)}%`;
}

/** 0s, 42s, 3m 05s, 1h 02m. */
export function duration(ms: number | null | undefined): string {
  const s = Math.max(0, Math.round(Number(ms ?? 0) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** A playback clock: 0:07, 12:45, 1:02:03. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

export function bytes(n: number | null | undefined): string {
  let v = Number(n ?? 0);
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Nov 23" or "Nov 23, 2026" for a YYYY-MM-DD day. */
export function day(d: string, withYear = false): string {
  const [y, m, dd] = d.split('-').map(Number);
  return `${MONTHS[m - 1]} ${dd}${withYear ? `, ${y}` : ''}`;
}

export function dayRange(from: string, to: string): string {
  if (from === to) return day(from, true);
  const sameYear = from.slice(0, 4) === to.slice(0, 4);
  return `${day(from, !sameYear)} – ${day(to, true)}`;
}

/** "Nov 23, 14:05 UTC" for a timestamp. */
export function dateTime(value: string | number | Date | null | undefined): string {
  if (value === null || value === undefined) return '–';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '–';
  const iso = d.toISOString();
  return `${day(iso.slice(0, 10))}, ${iso.slice(11, 16)} UTC`;
}

/** "Nov 23, 14:05", for tables whose header says UTC. */
export function shortDateTime(value: string | number | Date | null | undefined): string {
  return dateTime(value).replace(/ UTC$/, '');
}

/** "3 min ago", for recent times. */
export function ago(value: string | number | Date, now = Date.now()): string {
  const s = Math.round((now - new Date(value).getTime()) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

let regionNames: Intl.DisplayNames | null | undefined;

/** "Germany" for "DE"; the code itself when the browser has no name for it. */
export function countryName(code: string | null | undefined): string {
  if (!code || code === '(unknown)') return 'Unknown';
  if (regionNames === undefined) {
    try {
      regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
    } catch {
      regionNames = null;
    }
  }
  try {
    return regionNames?.of(code) ?? code;
  } catch {
    return code;
  }
}

/** A URL without its origin: what a page is called in the dashboard. */
export function pathOf(url: string | null | undefined): string {
  if (!url) return '–';
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}${u.hash}`;
  } catch {
    return url;
  }
}

export function capitalise(s: string | null | undefined): string {
  return s ? s[0].toUpperCase() + s.slice(1) : '–';
}
