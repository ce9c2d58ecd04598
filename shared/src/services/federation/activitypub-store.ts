/**
 * What the ActivityPub HTTP routes read and write: inbound activities (stored for the
 * EventProcessor), the outbox / followers / following collections, our public activities by
 * id, and the NodeInfo usage counts.
 */
import { and, count, desc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { DatabaseLike } from '../../db/client.ts';
import { apActivities, apFollows, users } from '../../db/schema/index.ts';
import { AS_CONTEXT, AS_PUBLIC } from '../../infrastructure/activitypub/uris.ts';

export const COLLECTION_PAGE_SIZE = 20;

/**
 * True for an outgoing activity whose object we deleted afterwards (a `Delete` of the same
 * object, sent later): a deleted post's `Create` and `Update` leave the outbox and answer 410.
 * A post published again after a delete has a newer `Create`, which is live.
 */
const objectDeletedLater = sql`exists (select 1 from ${apActivities} d where d.direction = 'out' and d.type = 'Delete' and d.object_uri = ${apActivities.objectUri} and d.id > ${apActivities.id})`;

export interface InboundActivity {
  activityId: string;
  type: string;
  actorUri: string;
  objectUri: string | null;
  object: Record<string, unknown>;
  localActorId: number | null;
}

/** Stores a verified inbound activity once (the same id arriving at several inboxes is one row). */
export async function storeInbound(db: DatabaseLike, activity: InboundActivity): Promise<void> {
  await db
    .insert(apActivities)
    .values({ ...activity, direction: 'in' })
    .onConflictDoNothing({ target: apActivities.activityId });
}

export type CollectionName = 'outbox' | 'followers' | 'following';

/**
 * One of an actor's collections: its size, and (with `page`) that page's items, newest first.
 * The outbox holds public Create and Announce activities; followers/following accepted follows.
 */
export async function readCollection(
  db: DatabaseLike,
  actor: { uri: string; localActorId: number | null },
  which: CollectionName,
  page?: number,
): Promise<{ totalItems: number; items: unknown[] | null }> {
  const isPublic = sql`(jsonb_exists(coalesce(${apActivities.object}->'to', '[]'::jsonb), ${AS_PUBLIC}) or jsonb_exists(coalesce(${apActivities.object}->'cc', '[]'::jsonb), ${AS_PUBLIC}))`;
  const outboxWhere = and(
    eq(apActivities.direction, 'out'),
    eq(apActivities.localActorId, actor.localActorId ?? -1),
    sql`${apActivities.type} in ('Create', 'Announce')`,
    isPublic,
    sql`not ${objectDeletedLater}`,
  );
  const followWhere =
    which === 'followers'
      ? and(
          eq(apFollows.followingUri, actor.uri),
          eq(apFollows.direction, 'in'),
          eq(apFollows.state, 'accepted'),
        )
      : and(
          eq(apFollows.followerUri, actor.uri),
          eq(apFollows.direction, 'out'),
          eq(apFollows.state, 'accepted'),
        );
  const [totals] =
    which === 'outbox'
      ? await db.select({ n: count() }).from(apActivities).where(outboxWhere)
      : await db.select({ n: count() }).from(apFollows).where(followWhere);
  const totalItems = totals?.n ?? 0;
  if (!page) return { totalItems, items: null };
  const offset = (page - 1) * COLLECTION_PAGE_SIZE;
  const items =
    which === 'outbox'
      ? (
          await db
            .select({ object: apActivities.object })
            .from(apActivities)
            .where(outboxWhere)
            .orderBy(desc(apActivities.createdAt), desc(apActivities.id))
            .limit(COLLECTION_PAGE_SIZE)
            .offset(offset)
        ).map((r) => r.object)
      : (
          await db
            .select({ follower: apFollows.followerUri, following: apFollows.followingUri })
            .from(apFollows)
            .where(followWhere)
            .orderBy(desc(apFollows.createdAt), desc(apFollows.id))
            .limit(COLLECTION_PAGE_SIZE)
            .offset(offset)
        ).map((r) => (which === 'followers' ? r.follower : r.following));
  return { totalItems, items };
}

/**
 * One of our outgoing activities by id, when its audience is public: the document, or (for a
 * `Create` or `Update` whose object was deleted since) its Tombstone; else null.
 */
export async function findPublicActivity(
  db: DatabaseLike,
  activityId: string,
): Promise<
  | { kind: 'live'; document: Record<string, unknown> }
  | { kind: 'gone'; tombstone: Record<string, unknown> }
  | null
> {
  const [row] = await db
    .select({
      type: apActivities.type,
      object: apActivities.object,
      deleted: sql<boolean>`${objectDeletedLater}`,
    })
    .from(apActivities)
    .where(and(eq(apActivities.activityId, activityId), eq(apActivities.direction, 'out')))
    .limit(1);
  const doc = row?.object;
  const audience = [doc?.['to'], doc?.['cc']].flat();
  if (!row || !doc || !audience.includes(AS_PUBLIC)) return null;
  if (row.deleted && (row.type === 'Create' || row.type === 'Update')) {
    return {
      kind: 'gone',
      tombstone: { '@context': AS_CONTEXT, id: activityId, type: 'Tombstone', formerType: row.type },
    };
  }
  return { kind: 'live', document: doc };
}

/**
 * NodeInfo's usage: members with a fediverse handle, and local posts — every public object we
 * announced with `Create` (blog articles, products, events, member notes) and did not delete.
 */
export async function nodeInfoUsage(db: DatabaseLike): Promise<{ users: number; localPosts: number }> {
  const [members] = await db
    .select({ n: count() })
    .from(users)
    .where(and(isNotNull(users.username), isNull(users.closedAt)));
  const [posts] = await db
    .select({ n: sql<number>`count(distinct ${apActivities.objectUri})::int` })
    .from(apActivities)
    .where(
      and(eq(apActivities.direction, 'out'), eq(apActivities.type, 'Create'), sql`not ${objectDeletedLater}`),
    );
  return { users: members?.n ?? 0, localPosts: posts?.n ?? 0 };
}
