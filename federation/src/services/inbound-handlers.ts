import type { AppConfig } from '@rose-ash/shared/config/index.ts';
import type { Transaction } from '@rose-ash/shared/db/client.ts';
import {
  type ApNotificationType,
  apActors,
  apFollows,
  apInteractions,
  apObjects,
  apReports,
  users,
} from '@rose-ash/shared/db/schema/index.ts';
import { parseLocalActorUri } from '@rose-ash/shared/infrastructure/activitypub/uris.ts';
import { ensureLocalActorId, storeRemoteActor } from '@rose-ash/shared/services/federation/actor-store.ts';
import { notifyMember } from '@rose-ash/shared/services/federation/notification-service.ts';
import { recordOutgoingActivity } from '@rose-ash/shared/services/federation/outgoing-activities.ts';
import { objectValues, STORED_OBJECT_TYPES } from '@rose-ash/shared/services/federation/remote-objects.ts';
import { and, eq, or } from 'drizzle-orm';

/** What applying an activity changed that cached pages show; dropped after the commit. */
export interface InboundEffects {
  /** Members whose `account-nav` badge changed (a new notification). */
  notifiedUsers: Set<number>;
  /** Objects whose `comments` fragment changed (a reply arrived, changed or went). */
  repliesChanged: Set<string>;
}

/** What an inbound handler gets: the verified activity, inside the processor's transaction. */
export interface InboundContext {
  tx: Transaction;
  config: AppConfig;
  /** The verified activity as received. */
  activity: Record<string, unknown>;
  /** The signer, already checked to be the activity's actor. */
  actor: string;
  activityId: string;
  /**
   * An object the processor fetched before the transaction (a boosted post we did not have),
   * from the object's own origin; handlers never make requests themselves.
   */
  fetched?: Record<string, unknown> | null;
  effects: InboundEffects;
}

export type InboundHandler = (ctx: InboundContext) => Promise<void>;

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
function obj(v: unknown): Record<string, unknown> | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}
function idOf(v: unknown): string | null {
  return str(v) ?? str(obj(v)?.['id']);
}
function list(v: unknown): unknown[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}
function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

async function notify(
  ctx: InboundContext,
  recipientUri: string,
  type: ApNotificationType,
  objectUri: string | null,
): Promise<boolean> {
  const userId = await notifyMember(ctx.tx, ctx.config, recipientUri, {
    type,
    actorUri: ctx.actor,
    objectUri,
    activityId: ctx.activityId,
  });
  if (userId !== null) ctx.effects.notifiedUsers.add(userId);
  return userId !== null;
}

/**
 * Follow → follower stored and an Accept that embeds the whole Follow; a member who approves
 * followers by hand gets a follow request instead (they answer it from the hub).
 */
const follow: InboundHandler = async (ctx) => {
  const target = idOf(ctx.activity['object']);
  const ref = target ? parseLocalActorUri(ctx.config, target) : null;
  if (!target || !ref) return;
  const localActorId = await ensureLocalActorId(ctx.tx, ctx.config, ref);
  if (localActorId === null) return;
  let approvesByHand = false;
  if (ref.kind === 'member') {
    const [member] = await ctx.tx
      .select({ manual: users.manuallyApprovesFollowers })
      .from(users)
      .innerJoin(apActors, eq(apActors.userId, users.id))
      .where(eq(apActors.id, localActorId));
    approvesByHand = member?.manual ?? false;
  }
  const [existing] = await ctx.tx
    .select()
    .from(apFollows)
    .where(and(eq(apFollows.followerUri, ctx.actor), eq(apFollows.followingUri, target)));
  if (approvesByHand && existing?.state !== 'accepted') {
    await ctx.tx
      .insert(apFollows)
      .values({
        followerUri: ctx.actor,
        followingUri: target,
        localActorId,
        direction: 'in',
        state: 'pending',
        followActivityId: ctx.activityId,
      })
      .onConflictDoUpdate({
        target: [apFollows.followerUri, apFollows.followingUri],
        set: { state: 'pending', followActivityId: ctx.activityId, acceptedAt: null },
      });
    await notify(ctx, target, 'follow_request', null);
    return;
  }
  await ctx.tx
    .insert(apFollows)
    .values({
      followerUri: ctx.actor,
      followingUri: target,
      localActorId,
      direction: 'in',
      state: 'accepted',
      followActivityId: ctx.activityId,
      acceptedAt: new Date(),
    })
    .onConflictDoUpdate({
      target: [apFollows.followerUri, apFollows.followingUri],
      set: { state: 'accepted', followActivityId: ctx.activityId, acceptedAt: new Date() },
    });
  const { '@context': _context, ...followActivity } = ctx.activity;
  // A repeated Follow is answered again: the remote may have lost our first Accept.
  await recordOutgoingActivity(ctx.tx, ctx.config, {
    actor: ref,
    type: 'Accept',
    object: followActivity,
    to: [ctx.actor],
  });
  if (existing?.state !== 'accepted') await notify(ctx, target, 'follow', null);
};

/** Undo(Follow) removes the follower; Undo(Like/Announce) removes the interaction. */
const undo: InboundHandler = async (ctx) => {
  const inner = ctx.activity['object'];
  const innerId = idOf(inner);
  const innerType = str(obj(inner)?.['type']);
  if (!innerId) return;
  if (innerType === 'Follow' || innerType === null) {
    const target = idOf(obj(inner)?.['object']);
    await ctx.tx
      .delete(apFollows)
      .where(
        and(
          eq(apFollows.followerUri, ctx.actor),
          eq(apFollows.direction, 'in'),
          or(
            eq(apFollows.followActivityId, innerId),
            target ? eq(apFollows.followingUri, target) : undefined,
          ),
        ),
      );
  }
  if (innerType === 'Like' || innerType === 'Announce' || innerType === null) {
    await ctx.tx
      .delete(apInteractions)
      .where(and(eq(apInteractions.activityId, innerId), eq(apInteractions.actorUri, ctx.actor)));
  }
};

/** Replies to members' posts and mentions of members become notifications. */
async function notifyMentionsAndReplies(ctx: InboundContext, object: Record<string, unknown>, uri: string) {
  const notified = new Set<string>();
  const inReplyTo = idOf(object['inReplyTo']);
  if (inReplyTo) {
    const [parent] = await ctx.tx
      .select({ author: apObjects.attributedTo })
      .from(apObjects)
      .where(and(eq(apObjects.uri, inReplyTo), eq(apObjects.local, true)));
    if (parent && (await notify(ctx, parent.author, 'reply', uri))) notified.add(parent.author);
  }
  for (const tag of list(object['tag']).map(obj).slice(0, 100)) {
    if (str(tag?.['type']) !== 'Mention') continue;
    const href = str(tag?.['href']);
    if (!href || notified.has(href)) continue;
    if (await notify(ctx, href, 'mention', uri)) notified.add(href);
  }
}

/** A post of the actor's (same origin, attributed to it) as stored; null when we do not keep it. */
function ownedObject(ctx: InboundContext, object: Record<string, unknown> | null) {
  const uri = idOf(object);
  if (!object || !uri || !STORED_OBJECT_TYPES.has(str(object['type']) ?? '')) return null;
  if (idOf(list(object['attributedTo'])[0]) !== ctx.actor || !sameOrigin(uri, ctx.actor)) return null;
  const values = objectValues(object, ctx.actor);
  return values ? { uri, values } : null;
}

const create: InboundHandler = async (ctx) => {
  const object = obj(ctx.activity['object']);
  const owned = ownedObject(ctx, object);
  if (!object || !owned) return;
  const inserted = await ctx.tx
    .insert(apObjects)
    .values({ uri: owned.uri, ...owned.values })
    .onConflictDoNothing({ target: apObjects.uri })
    .returning({ id: apObjects.id });
  if (!inserted.length) return;
  if (owned.values.inReplyTo) ctx.effects.repliesChanged.add(owned.values.inReplyTo);
  await notifyMentionsAndReplies(ctx, object, owned.uri);
};

/** Update of a post (edited remotely) or of the actor's own profile. */
const update: InboundHandler = async (ctx) => {
  const object = obj(ctx.activity['object']);
  if (!object) return;
  if (idOf(object) === ctx.actor) {
    await storeRemoteActor(ctx.tx, object).catch(() => undefined);
    return;
  }
  const owned = ownedObject(ctx, object);
  if (!owned) return;
  const changed = await ctx.tx
    .update(apObjects)
    .set({ ...owned.values, editedAt: owned.values.editedAt ?? new Date() })
    .where(
      and(eq(apObjects.uri, owned.uri), eq(apObjects.attributedTo, ctx.actor), eq(apObjects.local, false)),
    )
    .returning({ inReplyTo: apObjects.inReplyTo });
  for (const row of changed) if (row.inReplyTo) ctx.effects.repliesChanged.add(row.inReplyTo);
};

const remove: InboundHandler = async (ctx) => {
  const uri = idOf(ctx.activity['object']);
  if (!uri) return;
  if (uri === ctx.actor) {
    // The account is gone: forget its follows of our actors.
    await ctx.tx.delete(apFollows).where(eq(apFollows.followerUri, ctx.actor));
    return;
  }
  const gone = await ctx.tx
    .update(apObjects)
    .set({ deletedAt: new Date(), content: null })
    .where(and(eq(apObjects.uri, uri), eq(apObjects.attributedTo, ctx.actor), eq(apObjects.local, false)))
    .returning({ inReplyTo: apObjects.inReplyTo });
  for (const row of gone) if (row.inReplyTo) ctx.effects.repliesChanged.add(row.inReplyTo);
};

function interaction(type: 'like' | 'announce'): InboundHandler {
  return async (ctx) => {
    const objectUri = idOf(ctx.activity['object']);
    if (!objectUri) return;
    // A boosted post we did not have, fetched from its own origin before the transaction.
    const fetched = type === 'announce' ? obj(ctx.fetched) : null;
    if (fetched && idOf(fetched) === objectUri) {
      const author = idOf(list(fetched['attributedTo'])[0]);
      const values = author && sameOrigin(author, objectUri) ? objectValues(fetched, author) : null;
      if (values) {
        await ctx.tx
          .insert(apObjects)
          .values({ uri: objectUri, ...values })
          .onConflictDoNothing({ target: apObjects.uri });
      }
    }
    const inserted = await ctx.tx
      .insert(apInteractions)
      .values({ type, actorUri: ctx.actor, objectUri, activityId: ctx.activityId })
      .onConflictDoNothing()
      .returning({ id: apInteractions.id });
    if (!inserted.length) return;
    const [target] = await ctx.tx
      .select({ author: apObjects.attributedTo })
      .from(apObjects)
      .where(and(eq(apObjects.uri, objectUri), eq(apObjects.local, true)));
    if (target) await notify(ctx, target.author, type, objectUri);
  };
}

/** Accept/Reject of a Follow one of our actors sent. */
function followAnswer(state: 'accepted' | 'rejected'): InboundHandler {
  return async (ctx) => {
    const inner = ctx.activity['object'];
    const followId = idOf(inner);
    const localFollower = idOf(obj(inner)?.['actor']);
    const conditions = [eq(apFollows.direction, 'out'), eq(apFollows.followingUri, ctx.actor)];
    const match = followId
      ? or(
          eq(apFollows.followActivityId, followId),
          localFollower ? eq(apFollows.followerUri, localFollower) : undefined,
        )
      : undefined;
    await ctx.tx
      .update(apFollows)
      .set({ state, acceptedAt: state === 'accepted' ? new Date() : null })
      .where(and(...conditions, match));
  };
}

/**
 * Flag: another server forwards a report about one of our accounts or posts (Mastodon sends the
 * account and the posts as `object`, the reporter's words as `content`). It becomes a report
 * for our admins, once per Flag.
 */
const flag: InboundHandler = async (ctx) => {
  const objects = list(ctx.activity['object'])
    .map(idOf)
    .filter((u): u is string => !!u && u.length <= 2_000)
    .slice(0, 50);
  if (!objects.length) return;
  const accounts = objects.filter((u) => parseLocalActorUri(ctx.config, u));
  const posts = objects.filter((u) => !accounts.includes(u));
  let target = accounts[0] ?? null;
  if (!target && posts.length) {
    const [post] = await ctx.tx
      .select({ author: apObjects.attributedTo })
      .from(apObjects)
      .where(eq(apObjects.uri, posts[0] as string));
    target = post?.author ?? null;
  }
  if (!target) return;
  await ctx.tx
    .insert(apReports)
    .values({
      reporterActorUri: ctx.actor,
      targetActorUri: target,
      objectUris: posts,
      comment: (str(ctx.activity['content']) ?? '').slice(0, 5_000),
      flagActivityId: ctx.activityId,
    })
    .onConflictDoNothing();
};

/** The `type → handler` table for incoming activities; other types are logged and skipped. */
export const inboundHandlers: Record<string, InboundHandler> = {
  Follow: follow,
  Undo: undo,
  Create: create,
  Update: update,
  Delete: remove,
  Like: interaction('like'),
  Announce: interaction('announce'),
  Accept: followAnswer('accepted'),
  Reject: followAnswer('rejected'),
  Flag: flag,
};
