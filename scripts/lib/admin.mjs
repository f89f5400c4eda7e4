// Creates (or promotes) a dashboard admin straight in Postgres, the way Better
// Auth's own sign-up would: a "user" row with role admin and a 'credential'
// account holding the password hash (Better Auth's scrypt format, from
// better-auth/crypto, so the Worker's login verifies it). Used by `npm start`
// and `npm run admin:create`; takes a node-postgres client.
import { randomBytes } from 'node:crypto';
import { hashPassword } from 'better-auth/crypto';

export const MIN_PASSWORD = 10;

/** A password to print once: 18 random bytes, URL-safe. */
export function generatePassword() {
  return randomBytes(18).toString('base64url');
}

const newId = () => randomBytes(24).toString('base64url');

/**
 * Ensures `email` is an admin. A new user gets `password` (required then);
 * an existing one is promoted and unbanned, and gets `password` only when given.
 * Returns { id, created, passwordSet }.
 */
export async function ensureAdmin(client, { email, password, name }) {
  email = String(email).trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw new Error(`not an email address: ${email}`);
  if (password !== undefined && password.length < MIN_PASSWORD) throw new Error(`the password needs at least ${MIN_PASSWORD} characters`);
  const hash = password === undefined ? undefined : await hashPassword(password);
  await client.query('BEGIN');
  try {
    const found = await client.query('SELECT id FROM "user" WHERE email = $1 FOR UPDATE', [email]);
    let id = found.rows[0]?.id;
    const created = !id;
    if (created) {
      if (hash === undefined) throw new Error('a new admin needs a password');
      id = newId();
      await client.query(
        `INSERT INTO "user" (id, name, email, email_verified, role, banned) VALUES ($1, $2, $3, true, 'admin', false)`,
        [id, name ?? email.split('@')[0], email],
      );
    } else {
      await client.query(
        `UPDATE "user" SET role = 'admin', banned = false, ban_reason = NULL, ban_expires = NULL, updated_at = now() WHERE id = $1`,
        [id],
      );
    }
    if (hash !== undefined) {
      const updated = await client.query(
        `UPDATE account SET password = $2, updated_at = now() WHERE user_id = $1 AND provider_id = 'credential'`,
        [id, hash],
      );
      if (!updated.rowCount) {
        await client.query(
          `INSERT INTO account (id, user_id, account_id, provider_id, password) VALUES ($1, $2, $2, 'credential', $3)`,
          [newId(), id, hash],
        );
      }
    }
    await client.query('COMMIT');
    return { id, created, passwordSet: hash !== undefined };
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}
