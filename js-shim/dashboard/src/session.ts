// Who is logged in and which sites they see, read once and kept until a
// change (settings, sign-out) says to read them again.
import { call, clearCache, type Site, type User } from './api';

export const session: { me: User | null; sites: Site[] | null } = { me: null, sites: null };

/** The list of sites changed: read it again on the next render. */
export function invalidateSites(): void {
  session.sites = null;
  clearCache();
}

export function forget(): void {
  session.me = null;
  session.sites = null;
  clearCache();
}

export async function currentUser(): Promise<User | null> {
  const found = await call<{ user: User } | null>('/api/auth/get-session', { cache: false });
  return found?.user ?? null;
}

export async function signOut(): Promise<void> {
  await call('/api/auth/sign-out', { method: 'POST', body: {} }).catch(() => undefined);
  forget();
}
