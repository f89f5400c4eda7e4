// What a session row records about its visitor, derived at session start from
// the request: device/browser/OS (ua-parser-js 1.x, MIT), country (request.cf),
// referrer domain and UTM tags. Nothing here is stored per event.
import { UAParser } from 'ua-parser-js';

export interface ClientFacts {
  device: string;
  browser: string | null;
  os: string | null;
  country: string | null;
}

export function describeClient(request: Request): ClientFacts {
  const ua = new UAParser(request.headers.get('user-agent') ?? '').getResult();
  const type = ua.device.type;
  const device = type === 'mobile' || type === 'tablet' ? type : type ? 'other' : 'desktop';
  const cf = (request as Request & { cf?: { country?: string } }).cf;
  const country = cf?.country && /^[A-Z]{2}$/.test(cf.country) && cf.country !== 'XX' ? cf.country : null;
  return { device, browser: ua.browser.name ?? null, os: ua.os.name ?? null, country };
}

export function referrerDomain(referrer: string | null | undefined, ownHost: string | null): string | null {
  if (!referrer) return null;
  try {
    const host = new URL(referrer).hostname.replace(/^www\./, '');
    if (!host || (ownHost && host === ownHost.replace(/^www\./, ''))) return null;
    return host;
  } catch {
    return null;
  }
}

export interface Utm {
  source: string | null;
  medium: string | null;
  campaign: string | null;
  term: string | null;
  content: string | null;
}

const clip = (v: unknown, n = 200): string | null => (typeof v === 'string' && v ? v.slice(0, n) : null);

/** UTM tags from the body's `utm` object, else from the landing URL's query. */
export function utmTags(url: URL | null, utm: unknown): Utm {
  const given = utm && typeof utm === 'object' ? (utm as Record<string, unknown>) : {};
  const q = (k: string) => clip(given[k]) ?? clip(url?.searchParams.get(`utm_${k}`));
  return { source: q('source'), medium: q('medium'), campaign: q('campaign'), term: q('term'), content: q('content') };
}

export function pathOf(url: URL | null): string {
  return url ? url.pathname.slice(0, 512) || '/' : '/';
}
