/**
 * ActivityPub data access: our actors (apps and members), moderation blocks and the cache of
 * remote actors. The HTTP side (infrastructure/activitypub/) only routes and serializes.
 */
import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { AppConfig } from '../../config/index.ts';
import type { DatabaseLike } from '../../db/client.ts';
import { type ApRemoteActor, apActors, apBlocks, apRemoteActors, users } from '../../db/schema/index.ts';
import type { LocalActorProfile } from '../../infrastructure/activitypub/actors.ts';
import {
  fetchActivityDocument,
  type RemoteFetchOptions,
} from '../../infrastructure/activitypub/remote-fetch.ts';
import { actorUri, appHost, type LocalActorRef } from '../../infrastructure/activitypub/uris.ts';
import { avatarMediaType, avatarUrl } from './avatars.ts';
import { bioToHtml } from './social-text.ts';

/** A member's profile by username (lower-case), or null when nobody has that handle. */
export async function findMember(db: DatabaseLike, username: string) {
  const [user] = await db
    .select({
      id: users.id,
      username: users.username,
      displayName: users.displayName,
      bio: users.bio,
      avatarPath: users.avatarPath,
      manuallyApprovesFollowers: users.manuallyApprovesFollowers,
      createdAt: users.createdAt,
    })
    .from(users)
    // A closed account keeps its username (never handed out again) but is nobody any more.
    .where(and(eq(users.username, username.toLowerCase()), isNull(users.closedAt)))
    .limit(1);
  return user ?? null;
}

/** When the member who had this username closed their account, or null (never closed, unknown). */
export async function findClosedMember(
  db: DatabaseLike,
  username: string,
): Promise<{ closedAt: Date } | null> {
  const [user] = await db
    .select({ closedAt: users.closedAt })
    .from(users)
    .where(and(eq(users.username, username.toLowerCase()), isNotNull(users.closedAt)))
    .limit(1);
  return user?.closedAt ? { closedAt: user.closedAt } : null;
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
    member: {
      summaryHtml: bioToHtml(member.bio),
      url: `${config.apps.federation.publicUrl}/@${member.username}`,
      icon: member.avatarPath
        ? {
            mediaType: avatarMediaType(member.avatarPath),
            url: avatarUrl(config, member.avatarPath) as string,
          }
        : null,
      manuallyApprovesFollowers: member.manuallyApprovesFollowers,
    },
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

/** A remote URL we may put in a link or an `<img>`: http(s) only (never `javascript:`). */
export function httpUrlOrNull(v: unknown): string | null {
  if (typeof v !== 'string' || v.length > 2_000 || !URL.canParse(v)) return null;
  const { protocol } = new URL(v);
  return protocol === 'https:' || protocol === 'http:' ? v : null;
}

/** The first http(s) URL of an AS `url`/`icon` value (a string, a Link/Image, or a list of them). */
export function firstHttpUrl(v: unknown): string | null {
  for (const item of Array.isArray(v) ? v : [v]) {
    const candidate =
      typeof item === 'string'
        ? item
        : item && typeof item === 'object'
          ? ((item as Record<string, unknown>)['href'] ?? (item as Record<string, unknown>)['url'])
          : null;
    const url = Array.isArray(candidate) ? firstHttpUrl(candidate) : httpUrlOrNull(candidate);
    if (url) return url;
  }
  return null;
}

/** A cached remote actor by its row id. */
export async function findRemoteActorById(db: DatabaseLike, id: number): Promise<ApRemoteActor | null> {
  const [row] = await db.select().from(apRemoteActors).where(eq(apRemoteActors.id, id)).limit(1);
  return row ?? null;
}

/** A cached remote actor by its `@user@host` handle, when we have seen it (fresh or not). */
export async function findRemoteActorByHandle(
  db: DatabaseLike,
  username: string,
  host: string,
): Promise<ApRemoteActor | null> {
  const [row] = await db
    .select()
    .from(apRemoteActors)
    .where(
      and(
        eq(apRemoteActors.host, host.toLowerCase()),
        sql`lower(${apRemoteActors.preferredUsername}) = ${username.toLowerCase()}`,
      ),
    )
    .limit(1);
  return row ?? null;
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
  if (str(document['id']) !== uri) throw new Error(`${uri} is not an actor document`);
  return storeRemoteActor(db, document);
}

const ACTOR_TYPES = new Set(['Person', 'Service', 'Group', 'Application', 'Organization']);

/**
 * Caches an actor document (fetched from its own id, or an `Update` signed by the actor
 * itself). Strings are bounded, and every URL we later link or fetch must be http(s).
 */
export async function storeRemoteActor(
  db: DatabaseLike,
  document: Record<string, unknown>,
): Promise<ApRemoteActor> {
  const uri = httpUrlOrNull(document['id']);
  const inbox = httpUrlOrNull(document['inbox']);
  const type = str(document['type']) ?? 'Person';
  if (!uri || !inbox || !ACTOR_TYPES.has(type)) throw new Error('not an actor document');
  const endpoints = (document['endpoints'] ?? {}) as Record<string, unknown>;
  const publicKey = (document['publicKey'] ?? {}) as Record<string, unknown>;
  const bounded = (v: unknown, max: number) => str(v)?.slice(0, max) ?? null;
  const values = {
    uri,
    type,
    inbox,
    sharedInbox: httpUrlOrNull(endpoints['sharedInbox']),
    outbox: httpUrlOrNull(document['outbox']),
    followersUrl: httpUrlOrNull(document['followers']),
    url: firstHttpUrl(document['url']),
    preferredUsername: bounded(document['preferredUsername'], 100),
    host: new URL(uri).host.toLowerCase(),
    name: bounded(document['name'], 200),
    summary: bounded(document['summary'], 10_000),
    iconUrl: firstHttpUrl(document['icon']),
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
