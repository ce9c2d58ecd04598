import type { FastifyInstance } from 'fastify';
import { users } from '../db/schema/index.ts';

/**
 * Signs a member in to one app for `inject` tests without the OIDC round trip: creates (or
 * finds) the user, stores a real server-side session and returns the signed cookie to send.
 * Cross-app sign-in itself is covered by the SSO journeys.
 */
export async function signInAs(
  app: FastifyInstance,
  email: string,
  name = email.split('@')[0] ?? 'member',
): Promise<{ cookies: Record<string, string>; userId: number }> {
  const [row] = await app.db.db
    .insert(users)
    .values({ email: email.toLowerCase(), displayName: name })
    .onConflictDoUpdate({ target: users.email, set: { displayName: name } })
    .returning({ id: users.id });
  const session = await app.sessions.create({
    user: { id: row!.id, email: email.toLowerCase(), name, username: null },
    sub: String(row!.id),
    sid: null,
    idToken: null,
  });
  return { cookies: { [app.sessionCookieName]: app.signCookie(session.id) }, userId: row!.id };
}
