import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../../config/index.ts';
import type { DatabaseLike } from '../../db/client.ts';
import { apActivities } from '../../db/schema/index.ts';
import {
  AS_CONTEXT,
  actorBaseUrl,
  actorUri,
  type LocalActorRef,
} from '../../infrastructure/activitypub/uris.ts';
import { ensureLocalActorId } from './actor-store.ts';

export interface OutgoingActivity {
  actor: LocalActorRef;
  type: string;
  object: Record<string, unknown> | string;
  to?: string[] | undefined;
  cc?: string[] | undefined;
}

/**
 * Inserts an outgoing activity (status pending) into `ap_activities` on `db`, which should be
 * the caller's transaction so the activity exists exactly when the domain change does. The id
 * is a fresh, dereferenceable URL on the actor's host. An embedded object without its own
 * audience gets the activity's `to`/`cc` (Mastodon reads them from the object).
 */
export async function recordOutgoingActivity(
  db: DatabaseLike,
  config: AppConfig,
  input: OutgoingActivity,
): Promise<{ activityId: string; activity: Record<string, unknown> }> {
  const actor = actorUri(config, input.actor);
  const activityId = `${actorBaseUrl(config, input.actor)}/ap/activities/${randomUUID()}`;
  const to = input.to ?? [];
  const cc = input.cc ?? [];
  let object = input.object;
  let context: unknown = AS_CONTEXT;
  if (typeof object === 'object' && !Array.isArray(object)) {
    const isActivity = ['Follow', 'Like', 'Announce', 'Undo', 'Accept', 'Reject'].includes(input.type);
    if (!isActivity && object['to'] === undefined && object['cc'] === undefined)
      object = { ...object, to, cc };
    if ('@context' in object) {
      // An embedded object's own context (e.g. Mobilizon's extensions on an Event) moves up to
      // the activity: JSON-LD readers take it from the top-level document only.
      const { '@context': objectContext, ...rest } = object;
      if (objectContext !== undefined && objectContext !== AS_CONTEXT) context = objectContext;
      object = rest;
    }
  }
  const activity: Record<string, unknown> = {
    '@context': context,
    id: activityId,
    type: input.type,
    actor,
    object,
    to,
    cc,
    published: new Date().toISOString(),
  };
  const objectUri =
    typeof object === 'string' ? object : typeof object['id'] === 'string' ? (object['id'] as string) : null;
  const localActorId = await ensureLocalActorId(db, config, input.actor);
  await db.insert(apActivities).values({
    activityId,
    direction: 'out',
    type: input.type,
    actorUri: actor,
    objectUri,
    object: activity,
    localActorId,
  });
  return { activityId, activity };
}
