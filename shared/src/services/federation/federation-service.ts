import { eq } from 'drizzle-orm';
import type { AppConfig } from '../../config/index.ts';
import type { EmitActivityInput, FederationService } from '../../contracts/protocols.ts';
import type { Database, DatabaseHandle, DatabaseLike } from '../../db/client.ts';
import { users } from '../../db/schema/index.ts';
import { actorUri, type LocalActorRef } from '../../infrastructure/activitypub/uris.ts';
import type { Cache } from '../../infrastructure/cache.ts';
import { createMemberAccount } from './member-account.ts';
import { recordOutgoingActivity } from './outgoing-activities.ts';
import { createSocialHub } from './social-hub.ts';

/**
 * The FederationService: domain code emits activities into `ap_activities` inside its own
 * transaction; the federation app's EventProcessor delivers them. The social hub (profiles,
 * timelines, compose, follows, notifications, comments, moderation) is `social-hub.ts`.
 */
export function createFederationService(deps: {
  db: DatabaseHandle;
  config: AppConfig;
  /** Fragment cache (the `account-nav` badge, `comments`); without it they expire on their own. */
  cache?: Cache | null;
}): FederationService {
  const { config } = deps;

  async function resolveActor(actor: EmitActivityInput['actor'], db: DatabaseLike): Promise<LocalActorRef> {
    if ('app' in actor) return { kind: 'app', app: actor.app };
    const [user] = await db
      .select({ username: users.username })
      .from(users)
      .where(eq(users.id, actor.userId));
    // A programming error, not user input: members pick a username before they can post.
    if (!user?.username) throw new Error(`member ${actor.userId} has no fediverse username`);
    return { kind: 'member', username: user.username };
  }

  return {
    ...createSocialHub(deps),
    // A service built without a database (a unit test of actorUri) must still construct.
    ...createMemberAccount({ db: deps.db?.db as Database, config }),
    async emit(input, tx) {
      const db = tx ?? deps.db.db;
      const actor = await resolveActor(input.actor, db);
      const { activityId } = await recordOutgoingActivity(db, config, {
        actor,
        type: input.type,
        object: input.object,
        to: input.to,
        cc: input.cc,
      });
      return { activityId };
    },
    actorUri(actor) {
      return actorUri(
        config,
        'app' in actor ? { kind: 'app', app: actor.app } : { kind: 'member', username: actor.username },
      );
    },
  };
}
