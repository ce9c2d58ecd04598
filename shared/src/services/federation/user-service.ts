import { eq, sql } from 'drizzle-orm';
import type { DatabaseLike } from '../../db/client.ts';
import { type User, users } from '../../db/schema/users.ts';
import type { SessionUser } from '../../infrastructure/auth-types.ts';

/** E-mails are compared and stored lower-cased (the table enforces it). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function findUserById(db: DatabaseLike, id: number): Promise<User | null> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return row ?? null;
}

export async function findUserByEmail(db: DatabaseLike, email: string): Promise<User | null> {
  const [row] = await db
    .select()
    .from(users)
    .where(eq(users.email, normalizeEmail(email)))
    .limit(1);
  return row ?? null;
}

/**
 * The member with this address, created on first sign-in. Signing in proves the address, so
 * the e-mail is marked verified and the login time recorded. Safe under concurrent sign-ins
 * (one insert wins, both get the same row).
 */
export async function signInUserByEmail(db: DatabaseLike, email: string): Promise<User> {
  const now = new Date();
  const [row] = await db
    .insert(users)
    .values({ email: normalizeEmail(email), emailVerifiedAt: now, lastLoginAt: now })
    .onConflictDoUpdate({
      target: users.email,
      set: { lastLoginAt: now, emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())` },
    })
    .returning();
  if (!row) throw new Error('user upsert returned no row');
  return row;
}

/** What sessions keep and templates show; admin rights come from configuration. */
export function toSessionUser(user: User, admins: readonly string[]): SessionUser {
  return {
    id: user.id,
    email: user.email,
    name: user.displayName,
    username: user.username,
    isAdmin: admins.includes(user.email),
  };
}
