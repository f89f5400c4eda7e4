// Dashboard accounts: Better Auth (email + password, admin plugin) on Postgres
// through Hyperdrive, via Kysely over the request's postgres.js client
// (lib/kysely-postgres.ts). One instance per request, because its database
// handle is that request's client (Workers cannot keep sockets across requests). Its routes live under
// /api/auth/*; its tables are migrations/postgres/0005_create_auth_tables.sql.
import type { Context } from 'hono';
import { kyselyAdapter } from '@better-auth/kysely-adapter';
import type { BetterAuthOptions } from 'better-auth';
import { betterAuth } from 'better-auth/minimal';
import { admin } from 'better-auth/plugins/admin';
import { organization } from 'better-auth/plugins/organization';
import { createAccessControl } from 'better-auth/plugins/access';
import { adminAc, defaultStatements, memberAc, ownerAc } from 'better-auth/plugins/organization/access';

const orgAc = createAccessControl(defaultStatements);
/** The plugin's owner and admin; a viewer may do what its plain member may (nothing but read). */
const ORG_ROLES = { owner: orgAc.newRole(ownerAc.statements), admin: orgAc.newRole(adminAc.statements), viewer: orgAc.newRole(memberAc.statements) };
import { Kysely } from 'kysely';
import type { AppBindings } from '../env';
import type { Sql } from '../storage/pg';
import { db } from './db';
import { PostgresJsDialect } from './kysely-postgres';
import { sha256Hex } from './token';

/** Better Auth's camelCase fields onto the snake_case columns of 0005. */
const CREATED_UPDATED = { createdAt: 'created_at', updatedAt: 'updated_at' } as const;

export function authOptions(sql: Sql, opts: { baseURL: string; secret: string }) {
  return {
    appName: 'edgereplay',
    baseURL: opts.baseURL,
    basePath: '/api/auth',
    secret: opts.secret,
    database: kyselyAdapter(new Kysely<unknown>({ dialect: new PostgresJsDialect(sql) }), {
      type: 'postgres',
      transaction: true,
    }),
    // Accounts are made by an admin (POST /api/admin/users, npm run
    // admin:create), never by whoever finds the login page.
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 10 },
    user: { fields: { emailVerified: 'email_verified', ...CREATED_UPDATED } },
    session: {
      fields: { expiresAt: 'expires_at', ipAddress: 'ip_address', userAgent: 'user_agent', userId: 'user_id', ...CREATED_UPDATED },
    },
    account: {
      fields: {
        accountId: 'account_id',
        providerId: 'provider_id',
        userId: 'user_id',
        accessToken: 'access_token',
        refreshToken: 'refresh_token',
        idToken: 'id_token',
        accessTokenExpiresAt: 'access_token_expires_at',
        refreshTokenExpiresAt: 'refresh_token_expires_at',
        ...CREATED_UPDATED,
      },
    },
    verification: { fields: { expiresAt: 'expires_at', ...CREATED_UPDATED } },
    plugins: [
      admin({
        schema: {
          user: { fields: { banReason: 'ban_reason', banExpires: 'ban_expires' } },
          session: { fields: { impersonatedBy: 'impersonated_by' } },
        },
      }),
      // Organisations own sites (migrations/postgres/0020). Roles: owner,
      // admin, viewer. Organisations are made by the instance admin and
      // members are managed through /api/orgs (which knows site narrowing
      // and invitations with passwords); of the plugin's own endpoints,
      // routes/auth.ts lets through only those that read or pick the active one.
      organization({
        ac: orgAc,
        roles: ORG_ROLES,
        allowUserToCreateOrganization: false,
        disableOrganizationDeletion: true,
        schema: {
          organization: { fields: { createdAt: 'created_at' } },
          member: { fields: { organizationId: 'organization_id', userId: 'user_id', createdAt: 'created_at' } },
          invitation: { fields: { organizationId: 'organization_id', expiresAt: 'expires_at', createdAt: 'created_at', inviterId: 'inviter_id' } },
          session: { fields: { activeOrganizationId: 'active_organization_id' } },
        },
      }),
    ],
    advanced: {
      cookiePrefix: 'edgereplay',
      // Cloudflare puts the client's address here; other headers can be forged.
      ipAddress: { ipAddressHeaders: ['cf-connecting-ip'] },
      // Each request has its own instance, so a runtime check would introspect
      // the schema on every request; the worker tests check it once instead.
      database: { validateSchema: false },
    },
    telemetry: { enabled: false },
  } satisfies BetterAuthOptions;
}

export type Auth = ReturnType<typeof makeAuth>;

function makeAuth(sql: Sql, baseURL: string, secret: string) {
  return betterAuth(authOptions(sql, { baseURL, secret }));
}

const instances = new WeakMap<Request, Auth>();
const derived = new Map<string, Promise<string>>();

/**
 * BETTER_AUTH_SECRET, or one derived from TOKEN_SECRET, so that one secret
 * never keys two different MACs and a deployment needs no new secret.
 */
function authSecret(env: AppBindings['Bindings']): Promise<string> {
  if (env.BETTER_AUTH_SECRET) return Promise.resolve(env.BETTER_AUTH_SECRET);
  let secret = derived.get(env.TOKEN_SECRET);
  if (!secret) derived.set(env.TOKEN_SECRET, (secret = sha256Hex(`better-auth|${env.TOKEN_SECRET}`)));
  return secret;
}

/** The request's Better Auth instance, on the request's Postgres client. */
export async function authFor(c: Context<AppBindings>): Promise<Auth> {
  let auth = instances.get(c.req.raw);
  if (!auth) {
    auth = makeAuth(db(c), new URL(c.req.url).origin, await authSecret(c.env));
    instances.set(c.req.raw, auth);
  }
  return auth;
}

/** Whether a request carries a dashboard login cookie (either spelling: __Secure- on https). */
export function hasSessionCookie(request: Request): boolean {
  return /(?:^|;\s*)(?:__Secure-)?edgereplay\.session_token=/.test(request.headers.get('cookie') ?? '');
}
