// The Worker refuses to serve without a real TOKEN_SECRET: it keys session
// tokens, visitor ids, login cookies (through the derived Better Auth secret)
// and shared-link passes. Missing, or shorter than 32 bytes outside local
// development (LOCAL_DEVELOPMENT, set by npm start in .dev.vars), every route
// but /health and /ping answers 503 and /health says why.
import type { AppEnv } from '../env';

export const MIN_SECRET_BYTES = 32;

/** What is wrong with the secrets, or null. */
export function secretProblem(env: Pick<AppEnv, 'TOKEN_SECRET' | 'LOCAL_DEVELOPMENT'>): string | null {
  if (!env.TOKEN_SECRET) return 'TOKEN_SECRET is not set: wrangler secret put TOKEN_SECRET (32 or more random bytes).';
  if (new TextEncoder().encode(env.TOKEN_SECRET).length < MIN_SECRET_BYTES && !env.LOCAL_DEVELOPMENT) {
    return `TOKEN_SECRET is shorter than ${MIN_SECRET_BYTES} bytes: set a longer random one with wrangler secret put TOKEN_SECRET.`;
  }
  return null;
}
