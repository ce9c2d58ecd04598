/**
 * Likes and boosts by members, and taking them back: `Like` to the author, `Announce` to the
 * public and the member's followers (and the author), `Undo` embedding the original. A member
 * author here is notified directly.
 */
import { and, eq } from 'drizzle-orm';
import type { AppConfig } from '../../config/index.ts';
import type { Database } from '../../db/client.ts';
import { apInteractions } from '../../db/schema/index.ts';
import { AS_PUBLIC } from '../../infrastructure/activitypub/uris.ts';
import { ensureLocalActorId } from './actor-store.ts';
import { notifyMember } from './notification-service.ts';
import { recordOutgoingActivity } from './outgoing-activities.ts';
import { findVisibleObject, type Viewer } from './status-queries.ts';

export type InteractionResult =
  | { ok: true; notified: number[] }
  | { ok: false; reason: 'no_username' | 'not_found' | 'not_boostable' };

/** Likes or boosts (`on`), or undoes it; doing it twice is a no-op. */
export async function interact(
  deps: { db: Database; config: AppConfig },
  viewer: Viewer & { username: string | null },
  objectId: number,
  kind: 'like' | 'announce',
  on: boolean,
): Promise<InteractionResult> {
  const { db, config } = deps;
  if (!viewer.actorUri || !viewer.username) return { ok: false, reason: 'no_username' };
  const me = viewer.actorUri;
  const ref = { kind: 'member' as const, username: viewer.username };
  const object = await findVisibleObject(db, viewer, objectId);
  if (!object) return { ok: false, reason: 'not_found' };
  if (kind === 'announce' && object.visibility !== 'public' && object.visibility !== 'unlisted') {
    return { ok: false, reason: 'not_boostable' };
  }
  const type = kind === 'like' ? 'Like' : 'Announce';
  const audience =
    kind === 'like'
      ? { to: [object.attributedTo], cc: [] }
      : { to: [AS_PUBLIC], cc: [object.attributedTo, `${me}/followers`] };
  return db.transaction(async (tx) => {
    const [existing] = await tx
      .select()
      .from(apInteractions)
      .where(
        and(
          eq(apInteractions.type, kind),
          eq(apInteractions.actorUri, me),
          eq(apInteractions.objectUri, object.uri),
        ),
      );
    if (on === !!existing) return { ok: true as const, notified: [] };
    if (existing) {
      await tx.delete(apInteractions).where(eq(apInteractions.id, existing.id));
      await recordOutgoingActivity(tx, config, {
        actor: ref,
        type: 'Undo',
        object: { id: existing.activityId, type, actor: me, object: object.uri },
        ...audience,
      });
      return { ok: true as const, notified: [] };
    }
    const { activityId } = await recordOutgoingActivity(tx, config, {
      actor: ref,
      type,
      object: object.uri,
      ...audience,
    });
    await tx.insert(apInteractions).values({
      type: kind,
      actorUri: me,
      objectUri: object.uri,
      activityId,
      localActorId: await ensureLocalActorId(tx, config, ref),
    });
    const userId = await notifyMember(tx, config, object.attributedTo, {
      type: kind,
      actorUri: me,
      objectUri: object.uri,
      activityId,
    });
    return { ok: true as const, notified: userId === null ? [] : [userId] };
  });
}
