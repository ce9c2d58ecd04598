/**
 * What the social hub's route plugins share: the contract pieces of its forms and queries, the
 * member behind a request, where a form goes back to, and the time a member waits for another
 * server.
 */
import type { MemberDto } from '@rose-ash/shared/contracts/dtos.ts';
import type { RemoteCallOptions } from '@rose-ash/shared/contracts/protocols.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { safeReturnTo } from '@rose-ash/shared/infrastructure/oauth.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { federationSettings } from './settings.ts';

export const Csrf = z.string().max(200).optional();
/** Where a form returns to: a path on this host (anything else falls back). */
export const Back = z.string().max(2_000).optional();
/** `?max_id=` of a timeline or list: entries older than this position. */
export const MaxIdQuery = z.object({
  max_id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
});

/** A path on this host from a form's `back` field, else `fallback`. */
export function backTo(back: string | undefined, fallback: string): string {
  if (!back) return fallback;
  const path = safeReturnTo(back);
  return path === '/' && back !== '/' ? fallback : path;
}

/** The member's remote-call limits (how long a page waits for another server). */
export function remoteCallOptions(app: FastifyInstance): RemoteCallOptions {
  return { timeoutMs: federationSettings(app.config).lookup_timeout_ms };
}

/**
 * The signed-in member with their fediverse handle. Without a handle yet, pages send them to
 * pick one (forms answer 403: a form cannot be posted before the page that has it).
 */
export async function memberWithHandle(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<(MemberDto & { username: string }) | null> {
  if (!request.user) throw new AppError('AUTH_SESSION_REQUIRED');
  const member = await app.services.federation.getMember(request.user.id);
  if (member?.username) return member as MemberDto & { username: string };
  if (request.method === 'GET') {
    await reply.redirect('/social/profile', 303);
    return null;
  }
  throw new AppError('SOCIAL_USERNAME_REQUIRED');
}

/** The social hub's tabs, with the unread count. */
export async function hubNav(app: FastifyInstance, request: FastifyRequest, current: string) {
  const user = request.user;
  const unread = user ? await app.services.federation.countUnreadNotifications(user.id) : 0;
  return { hub: { current, unread, signedIn: !!user, isAdmin: user?.isAdmin ?? false } };
}
