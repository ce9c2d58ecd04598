/**
 * ActivityPub data access: our actors (apps and members), moderation blocks and the cache of
 * remote actors. The HTTP side (infrastructure/activitypub/) only routes and serializes.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { AppConfig } from '../../config/index.ts';
import type { DatabaseLike } from '../../db/client.ts';
import { type ApRemoteActor, apActors, apBlocks, apRemoteActors, users } from '../../db/schema/index.ts';
import type { LocalActorProfile } from '../../infrastructure/activitypub/actors.ts';
import {
  fetchActivityDocument,
  type RemoteFetchOptions,
} from '../../infrastructure/activitypub/remote-fetch.ts';
import { actorUri, appHost, type LocalActorRef } from '../../infrastructure/activitypub/uris.ts';

/** A member's profile by username (lower-case), or null when nobody has that handle. */
export async function findMember(db: DatabaseLike, username: string) {
  const [user] = await db
    .select({
      id: users.id,
      username: users.username,
      displayName: users.displayName,
      bio: users.bio,
      createdAt: users.createdAt,
    })
    .from(users)
    .where(eq(users.username, username.toLowerCase()))
    .limit(1);
  return user ?? null;
}

/** The profile shown for one of our actors, or null for an unknown member. */
export async function loadLocalActor(
  db: DatabaseLike,
  config: AppConfig,
  ref: LocalActorRef,
): Promise<LocalActorProfile | null> {
  if (ref.kind === 'app') {
    const endpoint = config.apps[ref.app];
    return {
      ref,
      uri: actorUri(config, ref),
      username: ref.app,
      host: appHost(config, ref.app),
      name: `${config.site.name} ${endpoint.title}`,
      summary: `The ${endpoint.title} of ${config.site.name}.`,
      published: new Date('2024-01-01T00:00:00Z'),
    };
  }
  const member = await findMember(db, ref.username);
  if (!member?.username) return null;
  const memberRef: LocalActorRef = { kind: 'member', username: member.username };
  return {
    ref: memberRef,
    uri: actorUri(config, memberRef),
    username: member.username,
    host: appHost(config, 'federation'),
    name: member.displayName ?? member.username,
    summary: member.bio ?? '',
    published: member.createdAt,
  };
}

/** The `ap_actors` row id for one of our actors, created on first use. */
export async function ensureLocalActorId(
  db: DatabaseLike,
  config: AppConfig,
  ref: LocalActorRef,
): Promise<number | null> {
  if (ref.kind === 'app') {
    const host = appHost(config, ref.app);
    await db
      .insert(apActors)
      .values({ kind: 'app', appName: ref.app, username: ref.app, host })
      .onConflictDoNothing();
    const [row] = await db.select({ id: apActors.id }).from(apActors).where(eq(apActors.appName, ref.app));
    return row?.id ?? null;
  }
  const member = await findMember(db, ref.username);
  if (!member?.username) return null;
  await db
    .insert(apActors)
    .values({
      kind: 'member',
      userId: member.id,
      username: member.username,
      host: appHost(config, 'federation'),
    })
    .onConflictDoNothing();
  const [row] = await db.select({ id: apActors.id }).from(apActors).where(eq(apActors.userId, member.id));
  return row?.id ?? null;
}

/** True when the actor or its domain is blocked by moderation. */
export async function isBlocked(db: DatabaseLike, actorOrKeyUris: string[]): Promise<boolean> {
  const hosts = new Set<string>();
  const actors = new Set<string>();
  for (const uri of actorOrKeyUris) {
    try {
      const url = new URL(uri);
      hosts.add(url.hostname.toLowerCase());
      hosts.add(url.host.toLowerCase());
      url.hash = '';
      actors.add(url.href);
    } catch {
      // Not a URL: the signature check refuses it later.
    }
  }
  if (hosts.size === 0) return false;
  const rows = await db
    .select({ id: apBlocks.id })
    .from(apBlocks)
    .where(
      sql`(${apBlocks.kind} = 'domain' and ${apBlocks.value} in (${sql.join(
        [...hosts].map((h) => sql`${h}`),
        sql`, `,
      )})) or (${apBlocks.kind} = 'actor' and ${apBlocks.value} in (${sql.join(
        [...(actors.size ? actors : new Set(['']))].map((a) => sql`${a}`),
        sql`, `,
      )}))`,
    )
    .limit(1);
  return rows.length > 0;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/**
 * A remote actor from the cache, or fetched (signed GET) and cached. Refetches documents older
 * than a day so moved inboxes and rotated keys are picked up.
 */
export async function resolveRemoteActor(
  db: DatabaseLike,
  uri: string,
  fetchOptions: RemoteFetchOptions,
  sign?: (request: Request) => Promise<Request>,
  opts: { refresh?: boolean } = {},
): Promise<ApRemoteActor> {
  if (!opts.refresh) {
    const [cached] = await db
      .select()
      .from(apRemoteActors)
      .where(and(eq(apRemoteActors.uri, uri), sql`${apRemoteActors.fetchedAt} > now() - interval '1 day'`))
      .limit(1);
    if (cached) return cached;
  }
  const { document } = await fetchActivityDocument(uri, fetchOptions, sign);
  const id = str(document['id']);
  const inbox = str(document['inbox']);
  if (id !== uri || !inbox) throw new Error(`${uri} is not an actor document`);
  const endpoints = (document['endpoints'] ?? {}) as Record<string, unknown>;
  const publicKey = (document['publicKey'] ?? {}) as Record<string, unknown>;
  const icon = document['icon'] as Record<string, unknown> | undefined;
  const values = {
    uri,
    type: str(document['type']) ?? 'Person',
    inbox,
    sharedInbox: str(endpoints['sharedInbox']),
    outbox: str(document['outbox']),
    followersUrl: str(document['followers']),
    url: str(document['url']),
    preferredUsername: str(document['preferredUsername']),
    host: new URL(uri).host,
    name: str(document['name']),
    summary: str(document['summary']),
    iconUrl: icon ? str(icon['url']) : null,
    publicKeyPem: str(publicKey['publicKeyPem']),
    keyId: str(publicKey['id']),
    raw: document,
    fetchedAt: new Date(),
  };
  const [row] = await db
    .insert(apRemoteActors)
    .values(values)
    .onConflictDoUpdate({ target: apRemoteActors.uri, set: values })
    .returning();
  if (!row) throw new Error(`could not store ${uri}`);
  return row;
}
