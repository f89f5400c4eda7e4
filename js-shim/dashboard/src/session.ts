// Who is logged in and which sites they see, read once and kept until a
// change (settings, sign-out) says to read them again.
import { call, clearCache, setSharePass, sharePass, type Org, type Site, type User } from './api';

export const session: {
  me: User | null;
  sites: Site[] | null;
  orgs: Org[] | null;
  /** Reading through a shared link: which site, and whether replays are included. */
  share: { siteId: string; replays: boolean } | null;
} = { me: null, sites: null, orgs: null, share: null };

/** The list of sites changed: read it again on the next render. */
export function invalidateSites(): void {
  session.sites = null;
  clearCache();
}

export function forget(): void {
  session.me = null;
  session.sites = null;
  session.orgs = null;
  session.share = null;
  clearCache();
}

/** The login, or the shared link this tab reads through. */
export async function currentUser(): Promise<User | null> {
  if (sharePass()) {
    const current = await call<{ site: { id: string; name: string }; replays: boolean }>('/api/shares/current', { cache: false });
    session.share = { siteId: current.site.id, replays: current.replays };
    session.orgs = [];
    return { id: 'share', email: `Shared: ${current.site.name}`, name: 'Shared link', role: null };
  }
  const found = await call<{ user: User } | null>('/api/auth/get-session', { cache: false });
  if (found?.user) session.orgs = (await call<{ organizations: Org[] }>('/api/orgs', { cache: false })).organizations;
  return found?.user ?? null;
}

export async function signOut(): Promise<void> {
  if (sharePass()) setSharePass(null);
  else await call('/api/auth/sign-out', { method: 'POST', body: {} }).catch(() => undefined);
  forget();
}
