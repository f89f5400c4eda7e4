// The Worker's environment: bindings and vars come from `wrangler types`
// (../worker-configuration.d.ts, checked in); secrets are added here because
// they live outside wrangler.toml.
export interface Secrets {
  /** Signs session tokens (HMAC-SHA256). `wrangler secret put TOKEN_SECRET`. */
  TOKEN_SECRET: string;
  /** Signs dashboard login cookies (Better Auth); TOKEN_SECRET when unset. */
  BETTER_AUTH_SECRET?: string;
  /** Protects POST /api/deployments. */
  DEPLOY_TOKEN?: string;
  /** Version facts embedded by `npm run deploy`. */
  VERSION?: string;
  COMMIT_SHA?: string;
  BUILD_TIME?: string;
}

/**
 * Bindings may be missing in a degraded deployment: without DB the Worker
 * reads Postgres directly; without HYPERDRIVE it is down.
 */
export type AppEnv = Omit<Env, 'DB' | 'HYPERDRIVE' | 'TRACK_LIMITER' | 'AUTH_LIMITER' | 'BATCH_INTERVAL_MS'> &
  Secrets & {
    DB?: D1Database;
    HYPERDRIVE?: Hyperdrive;
    /** Workers rate limiting on /track/*; absent, nothing is limited. */
    TRACK_LIMITER?: RateLimit;
    /** Workers rate limiting on logins, invitation acceptance, password changes and share unlocks. */
    AUTH_LIMITER?: RateLimit;
    /** Cloudflare's send_email binding: invitations are mailed when it is bound. */
    EMAIL?: SendEmail;
    /** The sender address of invitation mails. */
    EMAIL_FROM?: string;
    /** Set by npm start (.dev.vars): a developer's machine, where a weak TOKEN_SECRET is allowed. */
    LOCAL_DEVELOPMENT?: string;
    BATCH_INTERVAL_MS?: string;
    /** How long an R2 put may take before the batch is answered 503 (default 10 s). */
    R2_PUT_TIMEOUT_MS?: string;
    /** How long a batch waits for its aggregate statement before it is answered 202 deferred (default 10 s). */
    PG_APPLY_TIMEOUT_MS?: string;
    /** How long one statement of an analytics read that scans session rows may run (default 5 s). */
    ANALYTICS_SCAN_TIMEOUT_MS?: string;
  };

export type OrgRole = 'owner' | 'admin' | 'viewer';

/** A user's place in one organisation; siteIds null: every site of it. */
export interface Membership {
  organizationId: string;
  role: OrgRole;
  siteIds: string[] | null;
}

/**
 * Who is calling, as the auth middleware established it. `sites` is every
 * site the caller may read (null: every site, for the instance admin);
 * lib/auth.ts's assertSiteAccess is the one check read routes make with it.
 */
export type Principal =
  | { kind: 'token'; tokenId: string; organizationId: string; sites: string[] }
  | { kind: 'user'; userId: string; email: string; role: string; instanceAdmin: boolean; memberships: Membership[]; sites: string[] | null }
  | { kind: 'share'; shareId: string; siteId: string; replays: boolean; sites: string[] };

export interface AppVariables {
  /** Set by the auth middleware on read and admin routes. */
  principal?: Principal;
}

export type AppBindings = { Bindings: AppEnv; Variables: AppVariables };
