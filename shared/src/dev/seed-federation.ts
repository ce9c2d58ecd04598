import type { AppConfig } from '../config/index.ts';
import type { DatabaseLike } from '../db/client.ts';
import { apObjects, users } from '../db/schema/index.ts';
import { AS_PUBLIC, actorUri } from '../infrastructure/activitypub/uris.ts';
import { ensureLocalActorId } from '../services/federation/actor-store.ts';
import { renderText } from '../services/federation/social-text.ts';

/**
 * Social hub demo: a member with a fediverse handle (`@rose`) and a few public notes, so the
 * local timeline and a profile page have something to show. Sign in as the dev admin and pick
 * a username to post yourself.
 */
export async function seedFederation(tx: DatabaseLike, config: AppConfig): Promise<void> {
  const [member] = await tx
    .insert(users)
    .values({
      email: 'rose@rose-ash.test',
      username: 'rose',
      displayName: 'Rose Gardener',
      bio: 'Grows things and writes about them. Ask me about seeds.',
      emailVerifiedAt: new Date(),
    })
    .onConflictDoNothing()
    .returning();
  if (!member) return;
  const ref = { kind: 'member' as const, username: 'rose' };
  const localActorId = await ensureLocalActorId(tx, config, ref);
  const uri = actorUri(config, ref);
  const notes = [
    'First tomatoes of the year are in the greenhouse. #garden',
    'Seed swap at the Town Square next week: bring what you saved, take what you need. #seeds',
  ];
  for (const [i, text] of notes.entries()) {
    const id = `${uri}/statuses/00000000-0000-4000-8000-00000000000${i + 1}`;
    const published = new Date(Date.now() - (notes.length - i) * 3_600_000);
    const content = renderText(text, {
      tagUrl: (tag) => `${config.apps.federation.publicUrl}/social/tags/${tag}`,
    });
    const audience = { to: [AS_PUBLIC], cc: [`${uri}/followers`] };
    await tx.insert(apObjects).values({
      uri: id,
      type: 'Note',
      attributedTo: uri,
      local: true,
      localActorId,
      content,
      visibility: 'public',
      audience: [...audience.to, ...audience.cc],
      hashtags: [...text.matchAll(/#(\w+)/g)].map((m) => (m[1] as string).toLowerCase()),
      publishedAt: published,
      raw: {
        id,
        type: 'Note',
        attributedTo: uri,
        content,
        published: published.toISOString(),
        ...audience,
        source: text,
      },
    });
  }
}
