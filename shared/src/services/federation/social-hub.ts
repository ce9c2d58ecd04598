/**
 * The social hub half of the FederationService: members' profiles, timelines, compose,
 * interactions, follows, notifications, comments and moderation, over the functions of this
 * folder (one file per concern). Results are frozen DTOs; caches that show what changed (the
 * `account-nav` badge, a blog post's `comments`) are dropped here, after the change committed.
 */

import type { AppConfig } from '../../config/index.ts';
import {
  BlockDto,
  CommentDto,
  FollowListDto,
  FollowRequestDto,
  freeze,
  freezeAll,
  MemberDto,
  ModeratedCommentDto,
  NotificationPageDto,
  RemoteAccountDto,
  ReportDto,
  StatusDto,
  ThreadDto,
  TimelinePageDto,
} from '../../contracts/dtos.ts';
import type { FederationService } from '../../contracts/protocols.ts';
import type { DatabaseHandle } from '../../db/client.ts';
import { remoteFetchOptions } from '../../infrastructure/activitypub/remote-fetch.ts';
import { actorUri } from '../../infrastructure/activitypub/uris.ts';
import type { Cache } from '../../infrastructure/cache.ts';
import { invalidateFragment } from '../../infrastructure/fragments.ts';
import { findMember, findRemoteActorById } from './actor-store.ts';
import {
  answerFollowRequest,
  follow,
  followList,
  followRequests,
  followState,
  lookupAccount,
  remoteAccount,
  remoteFollowUrl,
  unfollow,
} from './follow-service.ts';
import { interact } from './interaction-service.ts';
import type { MemberAccountMethods } from './member-account.ts';
import {
  addBlock,
  listBlocks,
  listComments,
  listRecentComments,
  listReports,
  removeBlock,
  reportObject,
  resolveReport,
  setObjectHidden,
} from './moderation-service.ts';
import { deleteNote, editNote, findLocalNote, noteForEdit, publishNote } from './notes-service.ts';
import { countUnread, dropAccountNav, listNotifications, markAllRead } from './notification-service.ts';
import {
  chooseUsername,
  findUser,
  memberDto,
  setAvatar,
  updateProfile,
  viewerOf,
} from './profile-service.ts';
import {
  accountTimeline,
  findVisibleObject,
  homeTimeline,
  loadStatuses,
  localTimeline,
  tagTimeline,
  thread,
} from './status-queries.ts';

export interface SocialHubDeps {
  db: DatabaseHandle;
  config: AppConfig;
  /** Where fragments are cached; null leaves them to expire (tests without a cache). */
  cache?: Cache | null;
}

type SocialHub = Omit<FederationService, 'emit' | 'actorUri' | MemberAccountMethods>;

/** Drops the cached `comments` fragment of each object whose replies changed. */
export async function dropComments(
  cache: Cache | null | undefined,
  objectUris: Iterable<string | null>,
): Promise<void> {
  if (!cache) return;
  const uris = [...new Set([...objectUris].filter((u): u is string => !!u))];
  await Promise.all(uris.map((object) => invalidateFragment(cache, 'comments', { params: { object } })));
}

export function createSocialHub(deps: SocialHubDeps): SocialHub {
  const { config } = deps;
  // A service built without a database (a unit test of actorUri) must still construct.
  const db = deps.db?.db as DatabaseHandle['db'];
  const cache = deps.cache ?? null;
  const fetchOptions = (timeoutMs?: number) => ({
    ...remoteFetchOptions(config),
    ...(timeoutMs ? { timeoutMs } : {}),
  });
  const viewer = (userId: number | null) => viewerOf(db, config, userId);
  const page = (p: Parameters<typeof freeze<typeof TimelinePageDto>>[1]) => freeze(TimelinePageDto, p);
  const memberActor = async (username: string) => {
    const member = await findMember(db, username);
    return member?.username ? actorUri(config, { kind: 'member', username: member.username }) : null;
  };

  return {
    // ---- profiles ----------------------------------------------------------------------------
    async getMember(userId) {
      const user = await findUser(db, userId);
      return user ? freeze(MemberDto, memberDto(config, user)) : null;
    },
    async getMemberByUsername(username) {
      const member = await findMember(db, username);
      const user = member ? await findUser(db, member.id) : null;
      return user ? freeze(MemberDto, memberDto(config, user)) : null;
    },
    chooseUsername: (userId, username) => chooseUsername(db, userId, username),
    async updateProfile(userId, input) {
      await db.transaction((tx) => updateProfile(tx, config, userId, input));
    },
    setAvatar: (userId, avatarPath) => db.transaction((tx) => setAvatar(tx, config, userId, avatarPath)),

    // ---- timelines ---------------------------------------------------------------------------
    async homeTimeline(userId, opts) {
      const v = await viewer(userId);
      if (!v?.actorUri) return page({ items: [], nextMaxId: null });
      return page(await homeTimeline(db, config, { ...v, actorUri: v.actorUri }, opts));
    },
    async localTimeline(viewerUserId, opts) {
      return page(await localTimeline(db, config, await viewer(viewerUserId), opts));
    },
    async accountTimeline(viewerUserId, uri, opts) {
      return page(await accountTimeline(db, config, await viewer(viewerUserId), uri, opts));
    },
    async tagTimeline(viewerUserId, tag, opts) {
      return page(await tagTimeline(db, config, await viewer(viewerUserId), tag, opts));
    },
    async getThread(viewerUserId, objectId) {
      const found = await thread(db, config, await viewer(viewerUserId), objectId);
      return found ? freeze(ThreadDto, found) : null;
    },
    async getStatus(viewerUserId, objectId) {
      const v = await viewer(viewerUserId);
      const row = await findVisibleObject(db, v, objectId);
      if (!row) return null;
      const [status] = await loadStatuses(
        db,
        config,
        v,
        [{ objectId: row.id, cursor: row.seq, booster: null }],
        [row],
      );
      return status ? freeze(StatusDto, status) : null;
    },

    // ---- compose -----------------------------------------------------------------------------
    async publishNote(userId, input, opts) {
      const v = await viewer(userId);
      if (!v) return { ok: false, reason: 'no_username' };
      const result = await publishNote({ db, config, fetchOptions: fetchOptions(opts.timeoutMs) }, v, input);
      if (!result.ok)
        return result.reason === 'not_found' || result.reason === 'deleted'
          ? { ok: false, reason: 'reply_not_found' }
          : { ok: false, reason: result.reason };
      await Promise.all([dropAccountNav(cache, result.notified), dropComments(cache, [result.repliedTo])]);
      return { ok: true, objectId: result.objectId };
    },
    async getNoteForEdit(userId, objectId) {
      const v = await viewer(userId);
      return v ? noteForEdit(db, v, objectId) : null;
    },
    async editNote(userId, objectId, input, opts) {
      const v = await viewer(userId);
      if (!v) return { ok: false, reason: 'no_username' };
      const result = await editNote(
        { db, config, fetchOptions: fetchOptions(opts.timeoutMs) },
        v,
        objectId,
        input,
      );
      if (!result.ok)
        return result.reason === 'reply_not_found'
          ? { ok: false, reason: 'not_found' }
          : { ok: false, reason: result.reason };
      await dropComments(cache, [result.repliedTo]);
      return { ok: true, objectId: result.objectId };
    },
    async deleteNote(userId, objectId) {
      const v = await viewer(userId);
      if (!v) return { ok: false, reason: 'no_username' };
      const result = await deleteNote({ db, config, fetchOptions: fetchOptions() }, v, objectId);
      if (!result.ok) {
        return result.reason === 'no_username' || result.reason === 'deleted'
          ? { ok: false, reason: result.reason }
          : { ok: false, reason: 'not_found' };
      }
      await dropComments(cache, [result.repliedTo]);
      return { ok: true };
    },
    getLocalNote: (uri) => findLocalNote(db, uri),

    // ---- interactions ------------------------------------------------------------------------
    async interact(userId, objectId, kind, on) {
      const v = await viewer(userId);
      if (!v) return { ok: false, reason: 'no_username' };
      const result = await interact({ db, config }, v, objectId, kind, on);
      if (result.ok) await dropAccountNav(cache, result.notified);
      return result.ok ? { ok: true } : result;
    },

    // ---- accounts and follows ----------------------------------------------------------------
    lookupAccount: (query, opts) =>
      lookupAccount({ db, config, fetchOptions: fetchOptions(opts.timeoutMs) }, query),
    async getRemoteAccount(viewerUserId, id) {
      const account = await remoteAccount(db, await viewer(viewerUserId), id);
      return account ? freeze(RemoteAccountDto, account) : null;
    },
    async refreshRemoteAccount(id, opts) {
      const row = await findRemoteActorById(db, id);
      if (!row) return { ok: false, reason: 'not_found' };
      // The lookup refetches the actor and stores its newest public posts.
      const result = await lookupAccount({ db, config, fetchOptions: fetchOptions(opts.timeoutMs) }, row.uri);
      if (!result.ok)
        return { ok: false, reason: result.reason === 'unreachable' ? 'unreachable' : 'not_found' };
      return { ok: true };
    },
    async followState(userId, uri) {
      return followState(db, await viewer(userId), uri);
    },
    async follow(userId, uri, opts) {
      const v = await viewer(userId);
      if (!v) return { ok: false, reason: 'no_username' };
      const result = await follow({ db, config, fetchOptions: fetchOptions(opts.timeoutMs) }, v, uri);
      if (!result.ok) return result;
      await dropAccountNav(cache, result.notified);
      return { ok: true, state: result.state };
    },
    async unfollow(userId, uri) {
      const v = await viewer(userId);
      return v ? unfollow({ db, config, fetchOptions: fetchOptions() }, v, uri) : { ok: false };
    },
    async followers(username, opts) {
      const uri = await memberActor(username);
      return uri ? freeze(FollowListDto, await followList(db, config, uri, 'followers', opts)) : null;
    },
    async following(username, opts) {
      const uri = await memberActor(username);
      return uri ? freeze(FollowListDto, await followList(db, config, uri, 'following', opts)) : null;
    },
    async followRequests(userId) {
      const v = await viewer(userId);
      return v ? freezeAll(FollowRequestDto, await followRequests(db, config, v)) : [];
    },
    async answerFollowRequest(userId, followId, accept) {
      const v = await viewer(userId);
      if (!v) return { ok: false };
      const result = await answerFollowRequest(
        { db, config, fetchOptions: fetchOptions() },
        v,
        followId,
        accept,
      );
      await dropAccountNav(cache, result.notified);
      return { ok: result.ok };
    },
    remoteFollowUrl: (acct, target, opts) =>
      remoteFollowUrl({ db, config, fetchOptions: fetchOptions(opts.timeoutMs) }, acct, target),

    // ---- notifications -----------------------------------------------------------------------
    async listNotifications(userId, opts) {
      const v = await viewer(userId);
      if (!v) return freeze(NotificationPageDto, { items: [], nextMaxId: null });
      return freeze(NotificationPageDto, await listNotifications(db, config, v, opts));
    },
    countUnreadNotifications: (userId) => countUnread(db, userId),
    async markAllNotificationsRead(userId) {
      await markAllRead(db, userId);
      await dropAccountNav(cache, [userId]);
    },

    // ---- comments ----------------------------------------------------------------------------
    async listComments(objectUri) {
      return freezeAll(CommentDto, await listComments(db, config, objectUri));
    },

    // ---- moderation --------------------------------------------------------------------------
    async listBlocks() {
      return freezeAll(BlockDto, await listBlocks(db));
    },
    async addBlock(input, adminUserId) {
      const result = await db.transaction((tx) => addBlock(tx, config, input, adminUserId));
      if (!result.ok) return result;
      await dropComments(cache, result.affectedObjects);
      return { ok: true, id: result.id, followsRemoved: result.followsRemoved };
    },
    async removeBlock(id) {
      const result = await removeBlock(db, id);
      await dropComments(cache, result.affectedObjects);
      return { ok: result.ok };
    },
    async reportStatus(userId, objectId, comment) {
      const v = await viewer(userId);
      if (!v) return { ok: false, reason: 'not_found' };
      const result = await reportObject(db, v, objectId, comment);
      return result.ok ? { ok: true } : result;
    },
    async listReports(adminUserId, status) {
      return freezeAll(
        ReportDto,
        await listReports(db, config, { userId: adminUserId, actorUri: null }, status),
      );
    },
    async resolveReport(id, adminUserId, note) {
      return { ok: await resolveReport(db, id, adminUserId, note) };
    },
    async setStatusHidden(objectId, hidden, adminUserId) {
      const result = await setObjectHidden(db, objectId, hidden, adminUserId);
      await dropComments(cache, [result.inReplyTo]);
      return { ok: result.ok };
    },
    async listRecentComments() {
      return freezeAll(ModeratedCommentDto, await listRecentComments(db, config));
    },
  };
}
