/**
 * Following: finding an account by `@user@host` or actor URL (WebFinger, then the signed actor
 * fetch, then a first page of its outbox as a preview), follow / unfollow (`Follow`, `Undo`),
 * the pending state until the remote `Accept` (or `Reject`), followers / following lists, and
 * follow requests for members who approve followers by hand. Every remote request goes through
 * the guarded fetch (SSRF guard, timeout, size limit).
 */
import { and, count, desc, eq, inArray, lt, or, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { AppConfig } from '../../config/index.ts';
import type {
  FollowListDto,
  FollowRequestDto,
  FollowStateDto,
  RemoteAccountDto,
} from '../../contracts/dtos.ts';
import type { Database, DatabaseLike } from '../../db/client.ts';
import {
  type ApRemoteActor,
  apActivities,
  apFollows,
  apObjects,
  apRemoteActors,
  users,
} from '../../db/schema/index.ts';
import {
  fetchActivityDocument,
  type RemoteFetchOptions,
} from '../../infrastructure/activitypub/remote-fetch.ts';
import { sanitizeRemoteHtml } from '../../infrastructure/activitypub/sanitize.ts';
import { requestSigner } from '../../infrastructure/activitypub/signatures.ts';
import { actorUri, appHost, parseLocalActorUri } from '../../infrastructure/activitypub/uris.ts';
import { parseAcct, subscribeUrl, webfinger } from '../../infrastructure/activitypub/webfinger-client.ts';
import { accountRefs, remoteAccountRef } from './account-refs.ts';
import { ensureLocalActorId, isBlocked, resolveRemoteActor } from './actor-store.ts';
import { notifyMember } from './notification-service.ts';
import { recordOutgoingActivity } from './outgoing-activities.ts';
import { objectValues } from './remote-objects.ts';
import type { Viewer } from './status-queries.ts';

export const FOLLOW_LIST_PAGE_SIZE = 40;
/** Outbox entries stored as a profile preview. */
const PREVIEW_POSTS = 10;

export interface FollowDeps {
  db: Database;
  config: AppConfig;
  fetchOptions: RemoteFetchOptions;
}

export type LookupResult =
  | { ok: true; kind: 'remote'; id: number }
  | { ok: true; kind: 'local'; username: string }
  | { ok: false; reason: 'invalid' | 'not_found' | 'unreachable' | 'blocked' };

const signer = (config: AppConfig) =>
  requestSigner(config, actorUri(config, { kind: 'app', app: 'federation' }));

/**
 * Finds an account from what a member typed: `@user@host`, `user@host` or an actor URL. Our own
 * members resolve without a request. Remote accounts are fetched (and cached), with a first
 * page of their public posts stored as a preview.
 */
export async function lookupAccount(deps: FollowDeps, query: string): Promise<LookupResult> {
  const { db, config, fetchOptions } = deps;
  const q = query.trim();
  let uri: string | null = null;
  if (/^https?:\/\//i.test(q)) {
    if (!URL.canParse(q)) return { ok: false, reason: 'invalid' };
    uri = q;
  } else {
    const acct = parseAcct(q);
    if (!acct) return { ok: false, reason: 'invalid' };
    if (acct.host === appHost(config, 'federation').toLowerCase()) {
      const [member] = await db
        .select({ username: users.username })
        .from(users)
        .where(eq(users.username, acct.username));
      return member?.username
        ? { ok: true, kind: 'local', username: member.username }
        : { ok: false, reason: 'not_found' };
    }
    if (await isBlocked(db, [`https://${acct.host}/`, `http://${acct.host}/`])) {
      return { ok: false, reason: 'blocked' };
    }
    try {
      const found = await webfinger(acct, fetchOptions);
      if (!found?.actorUri) return { ok: false, reason: 'not_found' };
      uri = found.actorUri;
    } catch {
      return { ok: false, reason: 'unreachable' };
    }
  }
  const local = parseLocalActorUri(config, uri);
  if (local?.kind === 'member') {
    const [member] = await db
      .select({ username: users.username })
      .from(users)
      .where(eq(users.username, local.username.toLowerCase()));
    return member?.username
      ? { ok: true, kind: 'local', username: member.username }
      : { ok: false, reason: 'not_found' };
  }
  if (local) return { ok: false, reason: 'not_found' };
  if (await isBlocked(db, [uri])) return { ok: false, reason: 'blocked' };
  let actor: ApRemoteActor;
  try {
    actor = await resolveRemoteActor(db, uri, fetchOptions, signer(config), { refresh: true });
  } catch {
    return { ok: false, reason: 'unreachable' };
  }
  await storeOutboxPreview(deps, actor).catch(() => undefined);
  return { ok: true, kind: 'remote', id: actor.id };
}

/**
 * Stores the newest public notes of an actor's outbox (first page) so their page shows recent
 * posts. Only `Create`s of objects from the actor's own origin, attributed to it, are taken.
 */
export async function storeOutboxPreview(deps: FollowDeps, actor: ApRemoteActor): Promise<number> {
  const { db, config, fetchOptions } = deps;
  if (!actor.outbox) return 0;
  const sign = signer(config);
  const { document: outbox } = await fetchActivityDocument(actor.outbox, fetchOptions, sign);
  let items: unknown = outbox['orderedItems'] ?? outbox['items'];
  if (!Array.isArray(items)) {
    let first = outbox['first'];
    if (typeof first === 'string') {
      if (new URL(first).origin !== new URL(actor.uri).origin) return 0;
      first = (await fetchActivityDocument(first, fetchOptions, sign)).document;
    }
    if (first && typeof first === 'object') {
      const page = first as Record<string, unknown>;
      items = page['orderedItems'] ?? page['items'];
    }
  }
  if (!Array.isArray(items)) return 0;
  const origin = new URL(actor.uri).origin;
  let stored = 0;
  for (const item of items.slice(0, PREVIEW_POSTS * 2)) {
    if (stored >= PREVIEW_POSTS) break;
    if (!item || typeof item !== 'object') continue;
    const activity = item as Record<string, unknown>;
    if (activity['type'] !== 'Create') continue;
    const object = activity['object'];
    if (!object || typeof object !== 'object' || Array.isArray(object)) continue;
    const note = object as Record<string, unknown>;
    const id = typeof note['id'] === 'string' ? note['id'] : null;
    const attributedTo = typeof note['attributedTo'] === 'string' ? note['attributedTo'] : null;
    if (!id || !URL.canParse(id) || new URL(id).origin !== origin || attributedTo !== actor.uri) continue;
    const values = objectValues(note, actor.uri);
    if (!values || (values.visibility !== 'public' && values.visibility !== 'unlisted')) continue;
    await db
      .insert(apObjects)
      .values({ uri: id, ...values })
      .onConflictDoNothing({ target: apObjects.uri });
    stored++;
  }
  return stored;
}

async function followRow(db: DatabaseLike, follower: string, following: string) {
  const [row] = await db
    .select()
    .from(apFollows)
    .where(and(eq(apFollows.followerUri, follower), eq(apFollows.followingUri, following)));
  return row ?? null;
}

/** How the viewer relates to an account. */
export async function followState(
  db: DatabaseLike,
  viewer: Viewer | null,
  uri: string,
): Promise<FollowStateDto> {
  if (!viewer?.actorUri) return 'none';
  const row = await followRow(db, viewer.actorUri, uri);
  return row?.state ?? 'none';
}

/** A remote account's page data (from the cache only: no request while a page renders). */
export async function remoteAccount(
  db: DatabaseLike,
  viewer: Viewer | null,
  id: number,
): Promise<RemoteAccountDto | null> {
  const [row] = await db.select().from(apRemoteActors).where(eq(apRemoteActors.id, id));
  if (!row) return null;
  const [following, followedBack, blocked] = await Promise.all([
    followState(db, viewer, row.uri),
    viewer?.actorUri ? followRow(db, row.uri, viewer.actorUri) : Promise.resolve(null),
    isBlocked(db, [row.uri]),
  ]);
  return {
    id: row.id,
    account: remoteAccountRef(row),
    type: row.type,
    summaryHtml: row.summary ? sanitizeRemoteHtml(row.summary) : '',
    manuallyApprovesFollowers: row.raw['manuallyApprovesFollowers'] === true,
    following,
    followsViewer: followedBack?.state === 'accepted',
    blocked,
  };
}

export type FollowResult =
  | { ok: true; state: FollowStateDto; notified: number[] }
  | { ok: false; reason: 'no_username' | 'not_found' | 'self' | 'blocked' | 'unreachable' };

/**
 * Follows an account: a member here directly (pending when they approve followers by hand),
 * a remote one with a `Follow` (pending until its `Accept`; a refused follow may be asked again).
 */
export async function follow(
  deps: FollowDeps,
  viewer: Viewer & { username: string | null },
  target: string,
): Promise<FollowResult> {
  const { db, config, fetchOptions } = deps;
  if (!viewer.actorUri || !viewer.username) return { ok: false, reason: 'no_username' };
  const me = viewer.actorUri;
  const ref = { kind: 'member' as const, username: viewer.username };
  if (target === me) return { ok: false, reason: 'self' };
  const existing = await followRow(db, me, target);
  if (existing && existing.state !== 'rejected') return { ok: true, state: existing.state, notified: [] };
  const local = parseLocalActorUri(config, target);
  if (local?.kind === 'app') return { ok: false, reason: 'not_found' };
  if (local?.kind === 'member') {
    const [member] = await db.select().from(users).where(eq(users.username, local.username.toLowerCase()));
    if (!member?.username) return { ok: false, reason: 'not_found' };
    const state = member.manuallyApprovesFollowers ? ('pending' as const) : ('accepted' as const);
    return db.transaction(async (tx) => {
      const localActorId = (await ensureLocalActorId(tx, config, ref)) as number;
      const followId = `${me}#follows/${Date.now()}`;
      await tx
        .insert(apFollows)
        .values({
          followerUri: me,
          followingUri: target,
          localActorId,
          direction: 'out',
          state,
          followActivityId: followId,
          acceptedAt: state === 'accepted' ? new Date() : null,
        })
        .onConflictDoUpdate({
          target: [apFollows.followerUri, apFollows.followingUri],
          set: { state, followActivityId: followId, acceptedAt: state === 'accepted' ? new Date() : null },
        });
      const userId = await notifyMember(tx, config, target, {
        type: state === 'accepted' ? 'follow' : 'follow_request',
        actorUri: me,
        objectUri: null,
        activityId: followId,
      });
      return { ok: true as const, state, notified: userId === null ? [] : [userId] };
    });
  }
  if (await isBlocked(db, [target])) return { ok: false, reason: 'blocked' };
  try {
    await resolveRemoteActor(db, target, fetchOptions, signer(config));
  } catch {
    return { ok: false, reason: 'unreachable' };
  }
  return db.transaction(async (tx) => {
    const localActorId = (await ensureLocalActorId(tx, config, ref)) as number;
    const { activityId } = await recordOutgoingActivity(tx, config, {
      actor: ref,
      type: 'Follow',
      object: target,
      to: [target],
    });
    await tx
      .insert(apFollows)
      .values({
        followerUri: me,
        followingUri: target,
        localActorId,
        direction: 'out',
        state: 'pending',
        followActivityId: activityId,
      })
      .onConflictDoUpdate({
        target: [apFollows.followerUri, apFollows.followingUri],
        set: { state: 'pending', followActivityId: activityId, acceptedAt: null },
      });
    return { ok: true as const, state: 'pending' as const, notified: [] };
  });
}

/** Stops following (or cancels a request): `Undo` embedding the original `Follow` for remote accounts. */
export async function unfollow(
  deps: FollowDeps,
  viewer: Viewer & { username: string | null },
  target: string,
): Promise<{ ok: boolean }> {
  const { db, config } = deps;
  if (!viewer.actorUri || !viewer.username) return { ok: false };
  const me = viewer.actorUri;
  const row = await followRow(db, me, target);
  if (row?.direction !== 'out') return { ok: false };
  await db.transaction(async (tx) => {
    await tx.delete(apFollows).where(eq(apFollows.id, row.id));
    if (!parseLocalActorUri(config, target) && row.followActivityId && row.state !== 'rejected') {
      await recordOutgoingActivity(tx, config, {
        actor: { kind: 'member', username: viewer.username as string },
        type: 'Undo',
        object: { id: row.followActivityId, type: 'Follow', actor: me, object: target },
        to: [target],
      });
    }
  });
  return { ok: true };
}

/** A member's followers or the accounts they follow (accepted), newest first, paged by follow id. */
export async function followList(
  db: DatabaseLike,
  config: AppConfig,
  actor: string,
  which: 'followers' | 'following',
  opts: { maxId?: number | undefined; limit?: number },
): Promise<FollowListDto> {
  const limit = opts.limit ?? FOLLOW_LIST_PAGE_SIZE;
  const where =
    which === 'followers'
      ? and(eq(apFollows.followingUri, actor), eq(apFollows.state, 'accepted'))
      : and(
          eq(apFollows.followerUri, actor),
          eq(apFollows.direction, 'out'),
          eq(apFollows.state, 'accepted'),
        );
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(apFollows)
      .where(and(where, opts.maxId ? lt(apFollows.id, opts.maxId) : undefined))
      .orderBy(desc(apFollows.id))
      .limit(limit + 1),
    db.select({ n: count() }).from(apFollows).where(where),
  ]);
  const page = rows.slice(0, limit);
  const other = (r: (typeof rows)[number]) => (which === 'followers' ? r.followerUri : r.followingUri);
  const refs = await accountRefs(db, config, page.map(other));
  return {
    items: page.map((r) => ({ ...(refs.get(other(r)) as FollowListDto['items'][number]), followId: r.id })),
    nextMaxId: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
    total: total?.n ?? 0,
  };
}

/** Follows of the member waiting for their approval, oldest first. */
export async function followRequests(
  db: DatabaseLike,
  config: AppConfig,
  viewer: Viewer,
): Promise<FollowRequestDto[]> {
  if (!viewer.actorUri) return [];
  const rows = await db
    .select()
    .from(apFollows)
    .where(and(eq(apFollows.followingUri, viewer.actorUri), eq(apFollows.state, 'pending')))
    .orderBy(apFollows.id)
    .limit(200);
  const refs = await accountRefs(
    db,
    config,
    rows.map((r) => r.followerUri),
  );
  return rows.map((r) => ({
    id: r.id,
    account: refs.get(r.followerUri) as FollowRequestDto['account'],
    createdAt: r.createdAt,
  }));
}

/**
 * Approves or refuses a follow request: a remote follower gets `Accept` or `Reject` embedding
 * their `Follow`; a refused request is removed.
 */
export async function answerFollowRequest(
  deps: FollowDeps,
  viewer: Viewer & { username: string | null },
  followId: number,
  accept: boolean,
): Promise<{ ok: boolean; notified: number[] }> {
  const { db, config } = deps;
  if (!viewer.actorUri || !viewer.username) return { ok: false, notified: [] };
  const me = viewer.actorUri;
  const ref = { kind: 'member' as const, username: viewer.username };
  const [row] = await db
    .select()
    .from(apFollows)
    .where(and(eq(apFollows.id, followId), eq(apFollows.followingUri, me), eq(apFollows.state, 'pending')));
  if (!row) return { ok: false, notified: [] };
  return db.transaction(async (tx) => {
    if (accept) {
      await tx
        .update(apFollows)
        .set({ state: 'accepted', acceptedAt: new Date() })
        .where(eq(apFollows.id, row.id));
    } else {
      await tx.delete(apFollows).where(eq(apFollows.id, row.id));
    }
    const notified: number[] = [];
    if (row.direction === 'in' && row.followActivityId) {
      const [stored] = await tx
        .select({ object: apActivities.object })
        .from(apActivities)
        .where(eq(apActivities.activityId, row.followActivityId));
      const { '@context': _context, ...followActivity } = stored?.object ?? {
        id: row.followActivityId,
        type: 'Follow',
        actor: row.followerUri,
        object: me,
      };
      await recordOutgoingActivity(tx, config, {
        actor: ref,
        type: accept ? 'Accept' : 'Reject',
        object: followActivity,
        to: [row.followerUri],
      });
    } else if (accept && row.followActivityId) {
      const userId = await notifyMember(tx, config, row.followerUri, {
        type: 'follow',
        actorUri: row.followerUri,
        objectUri: null,
        activityId: `${row.followActivityId}#accepted`,
      });
      if (userId !== null) notified.push(userId);
    }
    return { ok: true, notified };
  });
}

/** Removes the follows between our actors and blocked accounts (by actor or by domain). */
export async function removeFollowsWith(
  db: DatabaseLike,
  block: { kind: 'domain' | 'actor'; value: string },
): Promise<number> {
  const matches = (column: AnyPgColumn) => {
    if (block.kind === 'actor') return eq(column, block.value);
    const host = sql`lower(split_part(split_part(${column}, '://', 2), '/', 1))`;
    return sql`(${host} = ${block.value} or split_part(${host}, ':', 1) = ${block.value} or split_part(${host}, ':', 1) like ${`%.${block.value}`})`;
  };
  const removed = await db
    .delete(apFollows)
    .where(or(matches(apFollows.followerUri), matches(apFollows.followingUri)))
    .returning({ id: apFollows.id });
  return removed.length;
}

/** Remote accounts by id (for lists that only hold ids). */
export async function remoteActorsByIds(db: DatabaseLike, ids: number[]): Promise<ApRemoteActor[]> {
  return ids.length ? db.select().from(apRemoteActors).where(inArray(apRemoteActors.id, ids)) : [];
}

export type RemoteFollowResult =
  | { ok: true; url: string }
  | { ok: false; reason: 'invalid' | 'not_found' | 'unreachable' | 'no_template' };

/**
 * "Follow from your server": where to send a visitor who typed `@me@their.server` on one of our
 * actors' pages — their server's subscribe template (WebFinger) with the actor filled in. A
 * member of ours goes to the hub's own account search.
 */
export async function remoteFollowUrl(
  deps: FollowDeps,
  typedAcct: string,
  target: string,
): Promise<RemoteFollowResult> {
  const { config, fetchOptions } = deps;
  const acct = parseAcct(typedAcct);
  if (!acct) return { ok: false, reason: 'invalid' };
  if (!parseLocalActorUri(config, target)) return { ok: false, reason: 'not_found' };
  if (acct.host === appHost(config, 'federation').toLowerCase()) {
    return {
      ok: true,
      url: `${config.apps.federation.publicUrl}/social/search?q=${encodeURIComponent(target)}`,
    };
  }
  try {
    const found = await webfinger(acct, fetchOptions);
    if (!found) return { ok: false, reason: 'not_found' };
    const url = found.subscribeTemplate ? subscribeUrl(found.subscribeTemplate, target) : null;
    return url ? { ok: true, url } : { ok: false, reason: 'no_template' };
  } catch {
    return { ok: false, reason: 'unreachable' };
  }
}
