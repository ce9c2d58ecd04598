import type { AppConfig } from '@rose-ash/shared/config/index.ts';
import type { Transaction } from '@rose-ash/shared/db/client.ts';
import {
  type ApNotificationType,
  apActors,
  apFollows,
  apInteractions,
  apNotifications,
  apObjects,
} from '@rose-ash/shared/db/schema/index.ts';
import { sanitizeRemoteHtml } from '@rose-ash/shared/infrastructure/activitypub/sanitize.ts';
import { AS_PUBLIC, parseLocalActorUri } from '@rose-ash/shared/infrastructure/activitypub/uris.ts';
import { ensureLocalActorId } from '@rose-ash/shared/services/federation/actor-store.ts';
import { recordOutgoingActivity } from '@rose-ash/shared/services/federation/outgoing-activities.ts';
import { and, eq, or } from 'drizzle-orm';

/** What an inbound handler gets: the verified activity, inside the processor's transaction. */
export interface InboundContext {
  tx: Transaction;
  config: AppConfig;
  /** The verified activity as received. */
  activity: Record<string, unknown>;
  /** The signer, already checked to be the activity's actor. */
  actor: string;
  activityId: string;
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

/** The member (user id) behind one of our Person actor URIs, if any. */
async function memberUserId(ctx: InboundContext, uri: string): Promise<number | null> {
  const ref = parseLocalActorUri(ctx.config, uri);
  if (ref?.kind !== 'member') return null;
  const actorId = await ensureLocalActorId(ctx.tx, ctx.config, ref);
  if (actorId === null) return null;
  const [row] = await ctx.tx
    .select({ userId: apActors.userId })
    .from(apActors)
    .where(eq(apActors.id, actorId));
  return row?.userId ?? null;
}

async function notify(
  ctx: InboundContext,
  userId: number,
  type: ApNotificationType,
  objectUri: string | null,
): Promise<void> {
  await ctx.tx
    .insert(apNotifications)
    .values({ userId, type, actorUri: ctx.actor, objectUri, activityId: ctx.activityId })
    .onConflictDoNothing();
}

/** Follow → follower stored (accepted) and an Accept that embeds the whole Follow. */
const follow: InboundHandler = async (ctx) => {
  const target = idOf(ctx.activity['object']);
  const ref = target ? parseLocalActorUri(ctx.config, target) : null;
  if (!target || !ref) return;
  const localActorId = await ensureLocalActorId(ctx.tx, ctx.config, ref);
  if (localActorId === null) return;
  const isNew = await ctx.tx
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
    })
    .returning({ id: apFollows.id });
  const { '@context': _context, ...follow } = ctx.activity;
  // A repeated Follow is answered again: the remote may have lost our first Accept.
  await recordOutgoingActivity(ctx.tx, ctx.config, {
    actor: ref,
    type: 'Accept',
    object: follow,
    to: [ctx.actor],
  });
  const userId = await memberUserId(ctx, target);
  if (userId !== null && isNew.length) await notify(ctx, userId, 'follow', null);
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

const STORED_TYPES = new Set(['Note', 'Article', 'Question', 'Page', 'Event']);

function visibilityOf(object: Record<string, unknown>, actor: string) {
  const to = list(object['to']).map(idOf);
  const cc = list(object['cc']).map(idOf);
  if (to.includes(AS_PUBLIC)) return 'public' as const;
  if (cc.includes(AS_PUBLIC)) return 'unlisted' as const;
  if ([...to, ...cc].some((a) => a === `${actor}/followers` || (a?.endsWith('/followers') ?? false))) {
    return 'followers' as const;
  }
  return 'direct' as const;
}

function objectValues(object: Record<string, unknown>, actor: string) {
  const attachments = list(object['attachment'])
    .map(obj)
    .filter((a): a is Record<string, unknown> => a !== null && typeof idOf(a['url']) === 'string')
    .map((a) => ({
      type: str(a['type']) ?? 'Document',
      url: idOf(a['url']) as string,
      ...(str(a['mediaType']) ? { mediaType: str(a['mediaType']) as string } : {}),
      ...(str(a['name']) ? { name: str(a['name']) as string } : {}),
    }));
  const published = Date.parse(str(object['published']) ?? '');
  const updated = Date.parse(str(object['updated']) ?? '');
  const content = str(object['content']);
  return {
    type: str(object['type']) ?? 'Note',
    attributedTo: actor,
    name: str(object['name']),
    content: content === null ? null : sanitizeRemoteHtml(content),
    summary: str(object['summary']),
    sensitive: object['sensitive'] === true,
    url: idOf(list(object['url'])[0]) ?? null,
    inReplyTo: idOf(object['inReplyTo']),
    visibility: visibilityOf(object, actor),
    attachments,
    publishedAt: Number.isNaN(published) ? new Date() : new Date(published),
    editedAt: Number.isNaN(updated) ? null : new Date(updated),
    raw: object,
  };
}

/** Replies to members' posts and mentions of members become notifications. */
async function notifyMentionsAndReplies(ctx: InboundContext, object: Record<string, unknown>, uri: string) {
  const notified = new Set<number>();
  const inReplyTo = idOf(object['inReplyTo']);
  if (inReplyTo) {
    const [parent] = await ctx.tx
      .select({ userId: apActors.userId })
      .from(apObjects)
      .innerJoin(apActors, eq(apActors.id, apObjects.localActorId))
      .where(and(eq(apObjects.uri, inReplyTo), eq(apObjects.local, true)));
    if (parent?.userId) {
      await notify(ctx, parent.userId, 'reply', uri);
      notified.add(parent.userId);
    }
  }
  for (const tag of list(object['tag']).map(obj)) {
    if (str(tag?.['type']) !== 'Mention') continue;
    const href = str(tag?.['href']);
    const userId = href ? await memberUserId(ctx, href) : null;
    if (userId !== null && !notified.has(userId)) {
      await notify(ctx, userId, 'mention', uri);
      notified.add(userId);
    }
  }
}

const create: InboundHandler = async (ctx) => {
  const object = obj(ctx.activity['object']);
  const uri = idOf(object);
  if (!object || !uri || !STORED_TYPES.has(str(object['type']) ?? '')) return;
  if (idOf(object['attributedTo']) !== ctx.actor) return;
  const values = objectValues(object, ctx.actor);
  await ctx.tx
    .insert(apObjects)
    .values({ uri, ...values })
    .onConflictDoNothing({ target: apObjects.uri });
  await notifyMentionsAndReplies(ctx, object, uri);
};

const update: InboundHandler = async (ctx) => {
  const object = obj(ctx.activity['object']);
  const uri = idOf(object);
  if (!object || !uri || !STORED_TYPES.has(str(object['type']) ?? '')) return;
  const values = objectValues(object, ctx.actor);
  await ctx.tx
    .update(apObjects)
    .set({ ...values, editedAt: values.editedAt ?? new Date() })
    .where(and(eq(apObjects.uri, uri), eq(apObjects.attributedTo, ctx.actor), eq(apObjects.local, false)));
};

const remove: InboundHandler = async (ctx) => {
  const uri = idOf(ctx.activity['object']);
  if (!uri) return;
  if (uri === ctx.actor) {
    // The account is gone: forget its follows of our actors.
    await ctx.tx.delete(apFollows).where(eq(apFollows.followerUri, ctx.actor));
    return;
  }
  await ctx.tx
    .update(apObjects)
    .set({ deletedAt: new Date(), content: null })
    .where(and(eq(apObjects.uri, uri), eq(apObjects.attributedTo, ctx.actor), eq(apObjects.local, false)));
};

function interaction(type: 'like' | 'announce'): InboundHandler {
  return async (ctx) => {
    const objectUri = idOf(ctx.activity['object']);
    if (!objectUri) return;
    const inserted = await ctx.tx
      .insert(apInteractions)
      .values({ type, actorUri: ctx.actor, objectUri, activityId: ctx.activityId })
      .onConflictDoNothing()
      .returning({ id: apInteractions.id });
    if (!inserted.length) return;
    const [target] = await ctx.tx
      .select({ userId: apActors.userId })
      .from(apObjects)
      .innerJoin(apActors, eq(apActors.id, apObjects.localActorId))
      .where(and(eq(apObjects.uri, objectUri), eq(apObjects.local, true)));
    if (target?.userId) await notify(ctx, target.userId, type, objectUri);
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
};
