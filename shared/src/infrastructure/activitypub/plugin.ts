import { and, count, desc, eq, isNotNull, sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppName } from '../../config/index.ts';
import { apActivities, apFollows, apObjects, users } from '../../db/schema/index.ts';
import { AppError } from '../errors.ts';
import {
  actorDocument,
  ensureLocalActorId,
  isBlocked,
  type LocalActorProfile,
  loadLocalActor,
} from './actors.ts';
import { createKeyCache } from './key-cache.ts';
import { loadActorKeys } from './keys.ts';
import { remoteFetchOptions } from './remote-fetch.ts';
import { requestSigner, verifyInboxRequest } from './signatures.ts';
import { AS_CONTEXT, AS_PUBLIC, actorUri, appHost, type LocalActorRef, parseLocalActorUri } from './uris.ts';

const AS_TYPE = 'application/activity+json; charset=utf-8';
const PAGE_SIZE = 20;
const NODEINFO_SCHEMA = 'http://nodeinfo.diaspora.software/ns/schema/2.1';

/** True when `Accept` asks for ActivityStreams (activity+json or ld+json, any order or q). */
export function wantsActivityJson(accept: string | undefined): boolean {
  return /application\/(activity|ld)\+json/i.test(accept ?? '');
}

const pageQuery = z.object({ page: z.coerce.number().int().min(1).max(100_000).optional() });

/**
 * ActivityPub on one app host: its Service actor at /ap/actor (and, on federation, members'
 * Person actors at /users/:username), their inboxes, the host's shared inbox, outbox /
 * followers / following collections, WebFinger and NodeInfo. Registered by the factory on every
 * app; encapsulated so the raw-body inbox parser stays local to these routes.
 */
export async function activityPubRoutes(app: FastifyInstance): Promise<void> {
  const { config, appName } = app;
  const fetchOptions = remoteFetchOptions(config);
  // Incoming key fetches are signed as this host's app actor (authorized-fetch servers need it).
  const signGet = requestSigner(config, actorUri(config, { kind: 'app', app: appName }));
  const keyCache = createKeyCache(app.cache);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ['application/activity+json', 'application/ld+json', 'application/json'],
    { parseAs: 'buffer', bodyLimit: 1024 * 1024 },
    (_request, body, done) => done(null, body),
  );

  async function actorOr404(ref: LocalActorRef): Promise<LocalActorProfile> {
    const actor = await loadLocalActor(app.db.db, config, ref);
    if (!actor) throw new AppError('RESOURCE_NOT_FOUND');
    return actor;
  }

  async function serveActor(request: FastifyRequest, reply: FastifyReply, ref: LocalActorRef) {
    const actor = await actorOr404(ref);
    reply.header('vary', 'Accept');
    if (wantsActivityJson(request.headers.accept)) {
      const { publicKeyPem } = await loadActorKeys(config);
      return reply.type(AS_TYPE).send(actorDocument(config, actor, publicKeyPem));
    }
    return reply.view('ap/actor.njk', {
      title: actor.name,
      actor,
      handle: `@${actor.username}@${actor.host}`,
      kind: actor.ref.kind,
    });
  }

  async function receive(request: FastifyRequest, reply: FastifyReply, ref: LocalActorRef | null) {
    const local = ref ? await actorOr404(ref) : null;
    if (!Buffer.isBuffer(request.body)) {
      return reply.code(415).send({ error: 'expected application/activity+json' });
    }
    const raw = request.body;
    let activity: unknown;
    try {
      activity = JSON.parse(raw.toString('utf8'));
    } catch {
      return reply.code(400).send({ error: 'body is not JSON' });
    }
    if (!activity || typeof activity !== 'object' || Array.isArray(activity)) {
      return reply.code(400).send({ error: 'body is not an activity' });
    }
    const doc = activity as Record<string, unknown>;
    const id = typeof doc['id'] === 'string' ? doc['id'] : null;
    const type = typeof doc['type'] === 'string' ? doc['type'] : null;
    if (!id || !type || !URL.canParse(id)) {
      return reply.code(400).send({ error: 'activity needs an id (a URL) and a type' });
    }
    const signatureKeyId = /keyId="([^"]+)"/.exec(String(request.headers['signature'] ?? ''))?.[1];
    const claimed = [doc['actor'], signatureKeyId].filter((v): v is string => typeof v === 'string');
    if (await isBlocked(app.db.db, claimed)) return reply.code(403).send({ error: 'blocked' });

    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers.set(name, value);
      else if (Array.isArray(value)) headers.set(name, value.join(', '));
    }
    const webRequest = new Request(`${config.apps[appName].publicUrl}${request.url}`, {
      method: 'POST',
      headers,
      body: new Uint8Array(raw),
    });
    const verified = await verifyInboxRequest(webRequest, doc, {
      fetch: fetchOptions,
      sign: signGet,
      keyCache,
    });
    if (!verified.ok) {
      request.log.info({ reason: verified.reason, activity: id }, 'inbox refused');
      return reply.code(verified.status).send({ error: verified.reason });
    }
    // Objects created or changed by the activity must come from the actor's own server.
    const object = doc['object'];
    if (['Create', 'Update'].includes(type) && object && typeof object === 'object') {
      const objectId = (object as Record<string, unknown>)['id'];
      if (
        typeof objectId !== 'string' ||
        !URL.canParse(objectId) ||
        new URL(objectId).origin !== new URL(verified.actor).origin
      ) {
        return reply.code(400).send({ error: 'object is not from the actor’s origin' });
      }
    }
    const localActorId = local ? await ensureLocalActorId(app.db.db, config, local.ref) : null;
    const objectUri =
      typeof object === 'string'
        ? object
        : object &&
            typeof object === 'object' &&
            typeof (object as Record<string, unknown>)['id'] === 'string'
          ? ((object as Record<string, unknown>)['id'] as string)
          : null;
    await app.db.db
      .insert(apActivities)
      .values({
        activityId: id,
        direction: 'in',
        type,
        actorUri: verified.actor,
        objectUri,
        object: doc,
        localActorId,
      })
      .onConflictDoNothing({ target: apActivities.activityId });
    return reply.code(202).send();
  }

  async function collection(
    request: FastifyRequest,
    reply: FastifyReply,
    ref: LocalActorRef,
    which: 'outbox' | 'followers' | 'following',
  ) {
    const actor = await actorOr404(ref);
    const parsed = pageQuery.safeParse(request.query);
    if (!parsed.success) throw new AppError('HTTP_REQUEST_INVALID');
    const { page } = parsed.data;
    const id = `${actor.uri}/${which}`;
    const localActorId = await ensureLocalActorId(app.db.db, config, actor.ref);
    const isPublic = sql`(jsonb_exists(coalesce(${apActivities.object}->'to', '[]'::jsonb), ${AS_PUBLIC}) or jsonb_exists(coalesce(${apActivities.object}->'cc', '[]'::jsonb), ${AS_PUBLIC}))`;
    const outboxWhere = and(
      eq(apActivities.direction, 'out'),
      eq(apActivities.localActorId, localActorId ?? -1),
      sql`${apActivities.type} in ('Create', 'Announce')`,
      isPublic,
    );
    const followWhere =
      which === 'followers'
        ? and(
            eq(apFollows.followingUri, actor.uri),
            eq(apFollows.direction, 'in'),
            eq(apFollows.state, 'accepted'),
          )
        : and(
            eq(apFollows.followerUri, actor.uri),
            eq(apFollows.direction, 'out'),
            eq(apFollows.state, 'accepted'),
          );
    const [totals] =
      which === 'outbox'
        ? await app.db.db.select({ n: count() }).from(apActivities).where(outboxWhere)
        : await app.db.db.select({ n: count() }).from(apFollows).where(followWhere);
    const totalItems = totals?.n ?? 0;
    reply.header('vary', 'Accept').type(AS_TYPE);
    if (!page) {
      return reply.send({
        '@context': AS_CONTEXT,
        id,
        type: 'OrderedCollection',
        totalItems,
        first: `${id}?page=1`,
        ...(totalItems > 0 ? { last: `${id}?page=${Math.max(1, Math.ceil(totalItems / PAGE_SIZE))}` } : {}),
      });
    }
    const offset = (page - 1) * PAGE_SIZE;
    const items =
      which === 'outbox'
        ? (
            await app.db.db
              .select({ object: apActivities.object })
              .from(apActivities)
              .where(outboxWhere)
              .orderBy(desc(apActivities.createdAt), desc(apActivities.id))
              .limit(PAGE_SIZE)
              .offset(offset)
          ).map((r) => r.object)
        : (
            await app.db.db
              .select({ follower: apFollows.followerUri, following: apFollows.followingUri })
              .from(apFollows)
              .where(followWhere)
              .orderBy(desc(apFollows.createdAt), desc(apFollows.id))
              .limit(PAGE_SIZE)
              .offset(offset)
          ).map((r) => (which === 'followers' ? r.follower : r.following));
    return reply.send({
      '@context': AS_CONTEXT,
      id: `${id}?page=${page}`,
      type: 'OrderedCollectionPage',
      partOf: id,
      totalItems,
      orderedItems: items,
      ...(offset + PAGE_SIZE < totalItems ? { next: `${id}?page=${page + 1}` } : {}),
      ...(page > 1 ? { prev: `${id}?page=${page - 1}` } : {}),
    });
  }

  const appRef: LocalActorRef = { kind: 'app', app: appName };
  app.get('/ap/actor', (request, reply) => serveActor(request, reply, appRef));
  app.post('/ap/actor/inbox', (request, reply) => receive(request, reply, appRef));
  app.post('/ap/inbox', (request, reply) => receive(request, reply, null));
  for (const which of ['outbox', 'followers', 'following'] as const) {
    app.get(`/ap/actor/${which}`, (request, reply) => collection(request, reply, appRef, which));
  }

  if (appName === 'federation') {
    const params = z.object({ username: z.string().min(1).max(64) });
    const member = (request: FastifyRequest): LocalActorRef => {
      const parsed = params.safeParse(request.params);
      if (!parsed.success) throw new AppError('RESOURCE_NOT_FOUND');
      return { kind: 'member', username: parsed.data.username.toLowerCase() };
    };
    app.get('/users/:username', (request, reply) => serveActor(request, reply, member(request)));
    app.post('/users/:username/inbox', (request, reply) => receive(request, reply, member(request)));
    for (const which of ['outbox', 'followers', 'following'] as const) {
      app.get(`/users/:username/${which}`, (request, reply) =>
        collection(request, reply, member(request), which),
      );
    }
  }

  // Our outgoing activities are dereferenceable at their ids (public ones only).
  app.get('/ap/activities/:id', async (request, reply) => {
    const parsed = z.object({ id: z.uuid() }).safeParse(request.params);
    if (!parsed.success) throw new AppError('RESOURCE_NOT_FOUND');
    const { id } = parsed.data;
    const activityId = `${config.apps[appName].publicUrl}/ap/activities/${id}`;
    const [row] = await app.db.db
      .select({ object: apActivities.object })
      .from(apActivities)
      .where(and(eq(apActivities.activityId, activityId), eq(apActivities.direction, 'out')))
      .limit(1);
    const doc = row?.object;
    const audience = [doc?.['to'], doc?.['cc']].flat();
    if (!doc || !audience.includes(AS_PUBLIC)) {
      throw new AppError('RESOURCE_NOT_FOUND');
    }
    return reply.header('vary', 'Accept').type(AS_TYPE).send(doc);
  });

  app.get('/.well-known/webfinger', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const resource = typeof query['resource'] === 'string' ? query['resource'] : undefined;
    reply.header('access-control-allow-origin', '*');
    if (!resource) return reply.code(400).type('application/json').send({ error: 'resource is required' });
    const ref = resolveWebfinger(resource);
    const actor = ref ? await loadLocalActor(app.db.db, config, ref) : null;
    if (!actor) return reply.code(404).type('application/json').send({ error: 'no such account' });
    return reply.type('application/jrd+json; charset=utf-8').send({
      subject: `acct:${actor.username}@${actor.host}`,
      aliases: [actor.uri],
      links: [
        { rel: 'self', type: 'application/activity+json', href: actor.uri },
        { rel: 'http://webfinger.net/rel/profile-page', type: 'text/html', href: actor.uri },
      ],
    });
  });

  /** `acct:user@host` (this host only) or one of this host's actor URLs. */
  function resolveWebfinger(resource: string): LocalActorRef | null {
    if (/^https?:\/\//i.test(resource)) {
      const ref = parseLocalActorUri(config, resource);
      if (!ref) return null;
      const refApp: AppName = ref.kind === 'app' ? ref.app : 'federation';
      return refApp === appName ? ref : null;
    }
    const acct = resource.replace(/^acct:/i, '').replace(/^@/, '');
    const at = acct.lastIndexOf('@');
    if (at <= 0) return null;
    const user = acct.slice(0, at).toLowerCase();
    const host = acct.slice(at + 1).toLowerCase();
    if (host !== appHost(config, appName).toLowerCase()) return null;
    if (user === appName) return { kind: 'app', app: appName };
    return appName === 'federation' ? { kind: 'member', username: user } : null;
  }

  app.get('/.well-known/nodeinfo', async (_request, reply) => {
    reply.header('access-control-allow-origin', '*');
    return reply.type('application/json; charset=utf-8').send({
      links: [{ rel: NODEINFO_SCHEMA, href: `${config.apps[appName].publicUrl}/nodeinfo/2.1` }],
    });
  });

  app.get('/nodeinfo/2.1', async (_request, reply) => {
    const [members] = await app.db.db.select({ n: count() }).from(users).where(isNotNull(users.username));
    const [posts] = await app.db.db.select({ n: count() }).from(apObjects).where(eq(apObjects.local, true));
    reply.header('access-control-allow-origin', '*');
    return reply.type(`application/json; profile="${NODEINFO_SCHEMA}#"; charset=utf-8`).send({
      version: '2.1',
      software: { name: 'rose-ash', version: '0.1.0', homepage: config.apps.blog.publicUrl },
      protocols: ['activitypub'],
      services: { inbound: [], outbound: [] },
      openRegistrations: true,
      usage: { users: { total: members?.n ?? 0 }, localPosts: posts?.n ?? 0 },
      metadata: { nodeName: `${config.site.name} ${config.apps[appName].title}`, app: appName },
    });
  });
}
