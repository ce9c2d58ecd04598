/**
 * What the account app asks of federation about one member: their single sign-on sessions at
 * the provider (to list and end them), everything the social hub holds about them (their
 * export), and closing their fediverse presence when they close their account. The provider's
 * own code (federation/src/services) never calls these; they read and write its storage
 * (`oidc_payloads`) the way its adapter does.
 */
import { and, asc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { AppConfig } from '../../config/index.ts';
import {
  freeze,
  freezeAll,
  type MemberClosureDto,
  SignInSessionDto,
  SocialExportDto,
} from '../../contracts/dtos.ts';
import type { FederationService } from '../../contracts/protocols.ts';
import type { Database, DatabaseLike } from '../../db/client.ts';
import {
  apActivities,
  apFollows,
  apInteractions,
  apNotifications,
  apObjects,
  apReports,
  magicLinks,
  oidcPayloads,
  users,
} from '../../db/schema/index.ts';
import { AS_PUBLIC, actorUri } from '../../infrastructure/activitypub/uris.ts';
import { recordOutgoingActivity } from './outgoing-activities.ts';

/** The FederationService methods this file implements (the social hub implements the rest). */
export type MemberAccountMethods =
  | 'listSignInSessions'
  | 'endSignInSessions'
  | 'exportMember'
  | 'closeMember'
  | 'finishMemberClosure';
type MemberAccount = Pick<FederationService, MemberAccountMethods>;

/** The placeholder address a closed account's user row keeps (unique, never deliverable). */
export function closedAccountEmail(userId: number): string {
  return `closed-${userId}@account-closed.invalid`;
}

interface StoredSession {
  id: string;
  payload: {
    uid?: string;
    accountId?: string;
    loginTs?: number;
    authorizations?: Record<string, { sid?: string; grantId?: string }>;
  };
  expiresAt: Date | null;
}

function sessionDto(row: StoredSession) {
  const authorizations = row.payload.authorizations ?? {};
  return freeze(SignInSessionDto, {
    uid: row.payload.uid ?? row.id,
    createdAt: typeof row.payload.loginTs === 'number' ? new Date(row.payload.loginTs * 1000) : null,
    expiresAt: row.expiresAt,
    clients: Object.entries(authorizations)
      .filter(([, a]) => typeof a.sid === 'string')
      .map(([client, a]) => ({ client, sid: a.sid as string })),
  });
}

export function createMemberAccount(deps: { db: Database; config: AppConfig }): MemberAccount {
  const { db, config } = deps;

  /** The provider's live, signed-in sessions of one account (the adapter's `Session` rows). */
  const storedSessions = async (q: DatabaseLike, userId: number): Promise<StoredSession[]> =>
    (await q
      .select({ id: oidcPayloads.id, payload: oidcPayloads.payload, expiresAt: oidcPayloads.expiresAt })
      .from(oidcPayloads)
      .where(
        and(
          eq(oidcPayloads.model, 'Session'),
          sql`${oidcPayloads.payload}->>'accountId' = ${String(userId)}`,
          or(isNull(oidcPayloads.expiresAt), sql`${oidcPayloads.expiresAt} > now()`),
        ),
      )
      .orderBy(asc(oidcPayloads.id))) as StoredSession[];

  const memberUri = async (q: DatabaseLike, userId: number) => {
    const [user] = await q.select({ username: users.username }).from(users).where(eq(users.id, userId));
    return user?.username ? actorUri(config, { kind: 'member', username: user.username }) : null;
  };

  return {
    async listSignInSessions(userId) {
      return freezeAll(SignInSessionDto, (await storedSessions(db, userId)).map(sessionDto));
    },

    async endSignInSessions(userId, uid) {
      return db.transaction(async (tx) => {
        const sessions = (await storedSessions(tx, userId)).filter(
          (s) => uid === null || s.payload.uid === uid,
        );
        if (!sessions.length) return Object.freeze([]);
        // What the provider's RP-initiated logout revokes: each client's grant and its tokens.
        const grantIds = sessions.flatMap((s) =>
          Object.values(s.payload.authorizations ?? {})
            .map((a) => a.grantId)
            .filter((g): g is string => typeof g === 'string'),
        );
        if (grantIds.length) {
          await tx
            .delete(oidcPayloads)
            .where(
              or(
                inArray(oidcPayloads.grantId, grantIds),
                and(eq(oidcPayloads.model, 'Grant'), inArray(oidcPayloads.id, grantIds)),
              ),
            );
        }
        await tx.delete(oidcPayloads).where(
          and(
            eq(oidcPayloads.model, 'Session'),
            inArray(
              oidcPayloads.id,
              sessions.map((s) => s.id),
            ),
          ),
        );
        return freezeAll(SignInSessionDto, sessions.map(sessionDto));
      });
    },

    async exportMember(userId) {
      const uri = await memberUri(db, userId);
      const [user] = await db.select({ email: users.email }).from(users).where(eq(users.id, userId));
      const [notifications, reports, signInLinks] = await Promise.all([
        db
          .select({
            type: apNotifications.type,
            actorUri: apNotifications.actorUri,
            objectUri: apNotifications.objectUri,
            createdAt: apNotifications.createdAt,
            readAt: apNotifications.readAt,
          })
          .from(apNotifications)
          .where(eq(apNotifications.userId, userId))
          .orderBy(asc(apNotifications.id)),
        db
          .select({
            targetActorUri: apReports.targetActorUri,
            objectUris: apReports.objectUris,
            comment: apReports.comment,
            status: apReports.status,
            createdAt: apReports.createdAt,
          })
          .from(apReports)
          .where(eq(apReports.reporterUserId, userId))
          .orderBy(asc(apReports.id)),
        db
          .select({
            createdAt: magicLinks.createdAt,
            expiresAt: magicLinks.expiresAt,
            consumedAt: magicLinks.consumedAt,
            requestedIp: magicLinks.requestedIp,
          })
          .from(magicLinks)
          .where(eq(magicLinks.userEmail, user?.email ?? ''))
          .orderBy(asc(magicLinks.id)),
      ]);
      if (!uri) {
        return freeze(SocialExportDto, {
          actorUri: null,
          posts: [],
          following: [],
          followers: [],
          likesAndBoosts: [],
          notifications,
          reports,
          signInLinks,
        });
      }
      const [posts, following, followers, likesAndBoosts] = await Promise.all([
        db
          .select({
            uri: apObjects.uri,
            type: apObjects.type,
            content: apObjects.content,
            contentWarning: apObjects.summary,
            visibility: apObjects.visibility,
            inReplyTo: apObjects.inReplyTo,
            hashtags: apObjects.hashtags,
            attachments: apObjects.attachments,
            publishedAt: apObjects.publishedAt,
            editedAt: apObjects.editedAt,
            deletedAt: apObjects.deletedAt,
          })
          .from(apObjects)
          .where(and(eq(apObjects.local, true), eq(apObjects.attributedTo, uri)))
          .orderBy(asc(apObjects.publishedAt), asc(apObjects.id)),
        db
          .select({
            account: apFollows.followingUri,
            state: apFollows.state,
            createdAt: apFollows.createdAt,
            acceptedAt: apFollows.acceptedAt,
          })
          .from(apFollows)
          .where(and(eq(apFollows.followerUri, uri), eq(apFollows.direction, 'out')))
          .orderBy(asc(apFollows.id)),
        db
          .select({
            account: apFollows.followerUri,
            state: apFollows.state,
            createdAt: apFollows.createdAt,
            acceptedAt: apFollows.acceptedAt,
          })
          .from(apFollows)
          .where(and(eq(apFollows.followingUri, uri), eq(apFollows.direction, 'in')))
          .orderBy(asc(apFollows.id)),
        db
          .select({
            type: apInteractions.type,
            objectUri: apInteractions.objectUri,
            createdAt: apInteractions.createdAt,
          })
          .from(apInteractions)
          .where(eq(apInteractions.actorUri, uri))
          .orderBy(asc(apInteractions.id)),
      ]);
      return freeze(SocialExportDto, {
        actorUri: uri,
        posts,
        following,
        followers,
        likesAndBoosts,
        notifications,
        reports,
        signInLinks,
      });
    },

    async closeMember(userId, tx): Promise<MemberClosureDto> {
      const run = async (t: DatabaseLike): Promise<MemberClosureDto> => {
        const [user] = await t.select().from(users).where(eq(users.id, userId)).for('update');
        if (!user || user.closedAt) return { username: user?.username ?? null, avatarPath: null, deletes: 0 };
        let deletes = 0;
        if (user.username) {
          const ref = { kind: 'member' as const, username: user.username };
          const uri = actorUri(config, ref);
          // What the member sent before carries their words: it goes (undelivered copies too).
          await t
            .delete(apActivities)
            .where(and(eq(apActivities.direction, 'out'), eq(apActivities.actorUri, uri)));
          const live = await t
            .select({ id: apObjects.id, uri: apObjects.uri, type: apObjects.type, raw: apObjects.raw })
            .from(apObjects)
            .where(
              and(eq(apObjects.local, true), eq(apObjects.attributedTo, uri), isNull(apObjects.deletedAt)),
            );
          const deleted = new Date();
          for (const object of live) {
            // As deleteNote does: the text goes, the audience stays to address the Delete.
            const previous = object.raw as { to?: string[]; cc?: string[] };
            await t
              .update(apObjects)
              .set({
                deletedAt: deleted,
                content: null,
                summary: null,
                attachments: [],
                hashtags: [],
                raw: { id: object.uri, type: 'Tombstone', to: previous.to ?? [], cc: previous.cc ?? [] },
              })
              .where(eq(apObjects.id, object.id));
            await recordOutgoingActivity(t, config, {
              actor: ref,
              type: 'Delete',
              object: {
                id: object.uri,
                type: 'Tombstone',
                formerType: object.type,
                deleted: deleted.toISOString(),
              },
              to: previous.to ?? [AS_PUBLIC],
              cc: previous.cc ?? [],
            });
            deletes++;
          }
          // Then the actor itself (Mastodon's shape: object = the actor's id), to the followers.
          await recordOutgoingActivity(t, config, {
            actor: ref,
            type: 'Delete',
            object: uri,
            to: [AS_PUBLIC],
            cc: [`${uri}/followers`],
          });
          deletes++;
          await t.delete(apInteractions).where(eq(apInteractions.actorUri, uri));
          await t
            .delete(apFollows)
            .where(and(eq(apFollows.followerUri, uri), eq(apFollows.direction, 'out')));
          // Accepted followers stay until the Deletes were fanned out to them (finishMemberClosure).
          await t
            .delete(apFollows)
            .where(
              and(
                eq(apFollows.followingUri, uri),
                eq(apFollows.direction, 'in'),
                sql`${apFollows.state} <> 'accepted'`,
              ),
            );
        }
        await t.delete(apNotifications).where(eq(apNotifications.userId, userId));
        // Reports they made stay for the moderators, no longer naming them.
        await t.update(apReports).set({ reporterUserId: null }).where(eq(apReports.reporterUserId, userId));
        await t.delete(magicLinks).where(eq(magicLinks.userEmail, user.email));
        await t
          .update(users)
          .set({
            email: closedAccountEmail(userId),
            displayName: null,
            bio: null,
            avatarPath: null,
            manuallyApprovesFollowers: false,
            emailVerifiedAt: null,
            lastLoginAt: null,
            closedAt: new Date(),
          })
          .where(eq(users.id, userId));
        return { username: user.username, avatarPath: user.avatarPath, deletes };
      };
      return tx ? tx.transaction(run) : db.transaction(run);
    },

    async finishMemberClosure(userId) {
      const [user] = await db
        .select({ username: users.username, closedAt: users.closedAt })
        .from(users)
        .where(eq(users.id, userId));
      if (!user?.closedAt || !user.username) return true;
      const uri = actorUri(config, { kind: 'member', username: user.username });
      const waiting = await db.$count(
        apActivities,
        and(
          eq(apActivities.direction, 'out'),
          eq(apActivities.actorUri, uri),
          inArray(apActivities.status, ['pending', 'processing']),
        ),
      );
      if (waiting > 0) return false;
      await db.delete(apFollows).where(and(eq(apFollows.followingUri, uri), eq(apFollows.direction, 'in')));
      return true;
    },
  };
}
