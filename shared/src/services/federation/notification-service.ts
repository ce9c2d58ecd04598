/**
 * Members' notifications (follows, follow requests, mentions, replies, likes, boosts): created
 * by the inbound handlers and by members' own actions on each other, listed newest first,
 * counted for the `account-nav` badge, marked read all at once.
 */
import { and, count, desc, eq, inArray, isNull, lt } from 'drizzle-orm';
import type { AppConfig } from '../../config/index.ts';
import type { NotificationDto, NotificationPageDto } from '../../contracts/dtos.ts';
import type { DatabaseLike } from '../../db/client.ts';
import { type ApNotificationType, apActors, apNotifications, apObjects } from '../../db/schema/index.ts';
import { parseLocalActorUri } from '../../infrastructure/activitypub/uris.ts';
import type { Cache } from '../../infrastructure/cache.ts';
import { invalidateFragment } from '../../infrastructure/fragments.ts';
import { accountRefs } from './account-refs.ts';
import { ensureLocalActorId } from './actor-store.ts';
import { loadStatuses, notBlocked, type Viewer } from './status-queries.ts';

export const NOTIFICATION_PAGE_SIZE = 30;

/** The member (user id) behind one of our Person actor URIs, or null. */
export async function memberUserIdOf(
  db: DatabaseLike,
  config: AppConfig,
  uri: string,
): Promise<number | null> {
  const ref = parseLocalActorUri(config, uri);
  if (ref?.kind !== 'member') return null;
  const actorId = await ensureLocalActorId(db, config, ref);
  if (actorId === null) return null;
  const [row] = await db.select({ userId: apActors.userId }).from(apActors).where(eq(apActors.id, actorId));
  return row?.userId ?? null;
}

/**
 * Notifies the member behind `recipientUri` (when it is one of ours and not the actor itself).
 * The unique key on (member, type, activity) makes a reprocessed activity notify once. Returns
 * the member's user id when a notification was created, so the caller can drop their badge.
 */
export async function notifyMember(
  db: DatabaseLike,
  config: AppConfig,
  recipientUri: string,
  n: { type: ApNotificationType; actorUri: string; objectUri: string | null; activityId: string },
): Promise<number | null> {
  if (recipientUri === n.actorUri) return null;
  const userId = await memberUserIdOf(db, config, recipientUri);
  if (userId === null) return null;
  const inserted = await db
    .insert(apNotifications)
    .values({ userId, ...n })
    .onConflictDoNothing()
    .returning({ id: apNotifications.id });
  return inserted.length ? userId : null;
}

/** Drops the members' cached `account-nav` (it shows the unread count). */
export async function dropAccountNav(cache: Cache | null, userIds: Iterable<number>): Promise<void> {
  if (!cache) return;
  await Promise.all(
    [...new Set(userIds)].map((userId) => invalidateFragment(cache, 'account-nav', { userId })),
  );
}

export async function countUnread(db: DatabaseLike, userId: number): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(apNotifications)
    .where(
      and(
        eq(apNotifications.userId, userId),
        isNull(apNotifications.readAt),
        notBlocked(apNotifications.actorUri),
      ),
    );
  return row?.n ?? 0;
}

export async function markAllRead(db: DatabaseLike, userId: number): Promise<number> {
  const rows = await db
    .update(apNotifications)
    .set({ readAt: new Date() })
    .where(and(eq(apNotifications.userId, userId), isNull(apNotifications.readAt)))
    .returning({ id: apNotifications.id });
  return rows.length;
}

/** A page of a member's notifications, newest first, paged by id; blocked accounts' are left out. */
export async function listNotifications(
  db: DatabaseLike,
  config: AppConfig,
  viewer: Viewer,
  opts: { maxId?: number | undefined; limit?: number },
): Promise<NotificationPageDto> {
  const limit = opts.limit ?? NOTIFICATION_PAGE_SIZE;
  const rows = await db
    .select()
    .from(apNotifications)
    .where(
      and(
        eq(apNotifications.userId, viewer.userId),
        notBlocked(apNotifications.actorUri),
        opts.maxId ? lt(apNotifications.id, opts.maxId) : undefined,
      ),
    )
    .orderBy(desc(apNotifications.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const objectUris = [...new Set(page.flatMap((r) => (r.objectUri ? [r.objectUri] : [])))];
  const objects = objectUris.length
    ? await db.select().from(apObjects).where(inArray(apObjects.uri, objectUris))
    : [];
  const visible = objects.filter((o) => !o.deletedAt && !o.hiddenAt);
  const [refs, statuses] = await Promise.all([
    accountRefs(
      db,
      config,
      page.map((r) => r.actorUri),
    ),
    loadStatuses(
      db,
      config,
      viewer,
      visible.map((o) => ({ objectId: o.id, cursor: o.seq, booster: null })),
      visible,
    ),
  ]);
  const byUri = new Map(statuses.map((s) => [s.uri, s]));
  const items: NotificationDto[] = page.map((r) => ({
    id: r.id,
    type: r.type,
    account: refs.get(r.actorUri) as NotificationDto['account'],
    status: r.objectUri ? (byUri.get(r.objectUri) ?? null) : null,
    read: r.readAt !== null,
    createdAt: r.createdAt,
  }));
  return { items, nextMaxId: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
}
