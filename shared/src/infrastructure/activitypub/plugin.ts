import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppName } from '../../config/index.ts';
import {
  COLLECTION_PAGE_SIZE,
  type CollectionName,
  findPublicActivity,
  nodeInfoUsage,
  readCollection,
  storeInbound,
} from '../../services/federation/activitypub-store.ts';
import {
  ensureLocalActorId,
  findClosedMember,
  isBlocked,
  loadLocalActor,
} from '../../services/federation/actor-store.ts';
import { containsNul } from '../contracts.ts';
import { AppError } from '../errors.ts';
import { actorDocument, type LocalActorProfile } from './actors.ts';
import { createKeyCache } from './key-cache.ts';
import { loadActorKeys } from './keys.ts';
import { remoteFetchOptions } from './remote-fetch.ts';
import { requestSigner, verifyInboxRequest } from './signatures.ts';
import { AS_CONTEXT, actorUri, appHost, type LocalActorRef, parseLocalActorUri } from './uris.ts';
import { SUBSCRIBE_REL } from './webfinger-client.ts';

const AS_TYPE = 'application/activity+json; charset=utf-8';
const NODEINFO_SCHEMA = 'http://nodeinfo.diaspora.software/ns/schema/2.1';

/** True when `Accept` asks for ActivityStreams (activity+json or ld+json, any order or q). */
export function wantsActivityJson(accept: string | undefined): boolean {
  return /application\/(activity|ld)\+json/i.test(accept ?? '');
}

// ---- route contracts ------------------------------------------------------------------------

const PageQuery = z.object({ page: z.coerce.number().int().min(1).max(100_000).optional() });
/** Member handles as they may be typed (any case); the canonical form is lower-case. */
const MemberParams = z.object({ username: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'not a username') });
const ActivityParams = z.object({ id: z.uuid() });
const WebfingerQuery = z.object({ resource: z.string().min(1, 'resource is required').max(1_000) });
/** An ActivityStreams document: whatever it holds, it has an id (or a context) we serve. */
const AsDocument = z.looseObject({ '@context': z.unknown().optional() });
const Jrd = z.object({
  subject: z.string(),
  aliases: z.array(z.string()),
  links: z.array(
    z.object({
      rel: z.string(),
      type: z.string().optional(),
      href: z.string().optional(),
      template: z.string().optional(),
    }),
  ),
});
const NodeInfoLinks = z.object({ links: z.array(z.object({ rel: z.string(), href: z.string() })) });
const NodeInfo = z.looseObject({ version: z.literal('2.1') });

/**
 * ActivityPub on one app host: its Service actor at /ap/actor (and, on federation, members'
 * Person actors at /users/:username), their inboxes, the host's shared inbox, outbox /
 * followers / following collections, WebFinger and NodeInfo. Registered by the factory on every
 * app; encapsulated so the raw-body inbox parser stays local to these routes. Data access lives
 * in services/federation (actor-store, activitypub-store); this plugin only routes.
 */
export async function activityPubRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { config, appName } = app;
  const db = () => app.db.db;
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
    const actor = await loadLocalActor(db(), config, ref);
    if (actor) return actor;
    // A member who closed their account: 410 with a Tombstone, as for a deleted post.
    const closed = ref.kind === 'member' ? await findClosedMember(db(), ref.username) : null;
    if (closed) {
      throw new AppError('RESOURCE_GONE', 'This account was closed', {
        activity: {
          '@context': AS_CONTEXT,
          id: actorUri(config, ref),
          type: 'Tombstone',
          formerType: 'Person',
          deleted: closed.closedAt.toISOString(),
        },
      });
    }
    throw new AppError('RESOURCE_NOT_FOUND');
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
      throw new AppError('HTTP_MEDIA_TYPE_UNSUPPORTED', 'Send the activity as application/activity+json');
    }
    const raw = request.body;
    let activity: unknown;
    try {
      activity = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new AppError('AP_ACTIVITY_INVALID', 'The body is not JSON');
    }
    if (!activity || typeof activity !== 'object' || Array.isArray(activity)) {
      throw new AppError('AP_ACTIVITY_INVALID', 'The body is not an activity');
    }
    // Postgres cannot store a NUL character in jsonb: refuse it at the door, like every route.
    if (containsNul(activity)) throw new AppError('HTTP_REQUEST_NUL_BYTE');
    const doc = activity as Record<string, unknown>;
    const id = typeof doc['id'] === 'string' ? doc['id'] : null;
    const type = typeof doc['type'] === 'string' ? doc['type'] : null;
    if (!id || !type || !URL.canParse(id) || id.length > 2_000 || type.length > 100) {
      throw new AppError('AP_ACTIVITY_INVALID', 'An activity needs an id (a URL) and a type');
    }
    const signatureKeyId = /keyId="([^"]+)"/.exec(String(request.headers['signature'] ?? ''))?.[1];
    const claimed = [doc['actor'], signatureKeyId].filter((v): v is string => typeof v === 'string');
    if (await isBlocked(db(), claimed)) throw new AppError('AP_ACTOR_BLOCKED');

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
      if (verified.refusedAddress) {
        // Worth a warning: in development this is a server on this machine the switch would allow.
        request.log.warn(
          { reason: verified.reason, address: verified.refusedAddress, activity: id },
          'inbox refused: the key is on a private or loopback address',
        );
      } else {
        request.log.info({ reason: verified.reason, activity: id }, 'inbox refused');
      }
      throw verified.status === 401
        ? new AppError('AUTH_SIGNATURE_INVALID', verified.reason)
        : new AppError('AP_ACTIVITY_INVALID', verified.reason);
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
        throw new AppError('AP_OBJECT_FOREIGN');
      }
    }
    const localActorId = local ? await ensureLocalActorId(db(), config, local.ref) : null;
    const objectUri =
      typeof object === 'string'
        ? object
        : object &&
            typeof object === 'object' &&
            typeof (object as Record<string, unknown>)['id'] === 'string'
          ? ((object as Record<string, unknown>)['id'] as string)
          : null;
    await storeInbound(db(), {
      activityId: id,
      type,
      actorUri: verified.actor,
      objectUri,
      object: doc,
      localActorId,
    });
    return reply.code(202).send();
  }

  async function collection(reply: FastifyReply, ref: LocalActorRef, which: CollectionName, page?: number) {
    const actor = await actorOr404(ref);
    const id = `${actor.uri}/${which}`;
    const localActorId = await ensureLocalActorId(db(), config, actor.ref);
    const { totalItems, items } = await readCollection(db(), { uri: actor.uri, localActorId }, which, page);
    reply.header('vary', 'Accept').type(AS_TYPE);
    if (!page || !items) {
      return reply.send({
        '@context': AS_CONTEXT,
        id,
        type: 'OrderedCollection',
        totalItems,
        first: `${id}?page=1`,
        ...(totalItems > 0
          ? { last: `${id}?page=${Math.max(1, Math.ceil(totalItems / COLLECTION_PAGE_SIZE))}` }
          : {}),
      });
    }
    const offset = (page - 1) * COLLECTION_PAGE_SIZE;
    return reply.send({
      '@context': AS_CONTEXT,
      id: `${id}?page=${page}`,
      type: 'OrderedCollectionPage',
      partOf: id,
      totalItems,
      orderedItems: items,
      ...(offset + COLLECTION_PAGE_SIZE < totalItems ? { next: `${id}?page=${page + 1}` } : {}),
      ...(page > 1 ? { prev: `${id}?page=${page - 1}` } : {}),
    });
  }

  const appRef: LocalActorRef = { kind: 'app', app: appName };
  const asResponse = { response: { 200: AsDocument } };
  app.get('/ap/actor', { schema: asResponse }, (request, reply) => serveActor(request, reply, appRef));
  app.post('/ap/actor/inbox', (request, reply) => receive(request, reply, appRef));
  app.post('/ap/inbox', (request, reply) => receive(request, reply, null));
  for (const which of ['outbox', 'followers', 'following'] as const) {
    app.get(`/ap/actor/${which}`, { schema: { querystring: PageQuery, ...asResponse } }, (request, reply) =>
      collection(reply, appRef, which, request.query.page),
    );
  }

  if (appName === 'federation') {
    /**
     * Handles are case-insensitive but each actor has one canonical URL (its `id`): any other
     * spelling is sent there, so a document is never served under an id it does not carry.
     */
    const member = (request: FastifyRequest, reply: FastifyReply, username: string): LocalActorRef | null => {
      const canonical = username.toLowerCase();
      if (canonical !== username) {
        const rest = request.url.slice(`/users/${username}`.length);
        void reply.redirect(`/users/${canonical}${rest}`, 301);
        return null;
      }
      return { kind: 'member', username: canonical };
    };
    app.get(
      '/users/:username',
      { schema: { params: MemberParams, ...asResponse } },
      async (request, reply) => {
        const ref = member(request, reply, request.params.username);
        return ref ? serveActor(request, reply, ref) : reply;
      },
    );
    app.post('/users/:username/inbox', { schema: { params: MemberParams } }, (request, reply) =>
      receive(request, reply, { kind: 'member', username: request.params.username.toLowerCase() }),
    );
    for (const which of ['outbox', 'followers', 'following'] as const) {
      app.get(
        `/users/:username/${which}`,
        { schema: { params: MemberParams, querystring: PageQuery, ...asResponse } },
        async (request, reply) => {
          const ref = member(request, reply, request.params.username);
          return ref ? collection(reply, ref, which, request.query.page) : reply;
        },
      );
    }
  }

  // Our outgoing activities are dereferenceable at their ids (public ones only); a Create or
  // Update of something deleted since answers 410 with a Tombstone.
  app.get(
    '/ap/activities/:id',
    { schema: { params: ActivityParams, ...asResponse } },
    async (request, reply) => {
      const activityId = `${config.apps[appName].publicUrl}/ap/activities/${request.params.id}`;
      const found = await findPublicActivity(db(), activityId);
      if (!found) throw new AppError('RESOURCE_NOT_FOUND');
      if (found.kind === 'gone') {
        throw new AppError('RESOURCE_GONE', 'What this activity created was deleted', {
          activity: found.tombstone,
        });
      }
      return reply.header('vary', 'Accept').type(AS_TYPE).send(found.document);
    },
  );

  app.get(
    '/.well-known/webfinger',
    { schema: { querystring: WebfingerQuery, response: { 200: Jrd } } },
    async (request, reply) => {
      reply.header('access-control-allow-origin', '*');
      const ref = resolveWebfinger(request.query.resource);
      const actor = ref ? await loadLocalActor(db(), config, ref) : null;
      if (!actor) throw new AppError('RESOURCE_NOT_FOUND', 'No such account');
      return reply.type('application/jrd+json; charset=utf-8').send({
        subject: `acct:${actor.username}@${actor.host}`,
        aliases: [actor.uri],
        links: [
          { rel: 'self', type: 'application/activity+json', href: actor.uri },
          {
            rel: 'http://webfinger.net/rel/profile-page',
            type: 'text/html',
            href: actor.member?.url ?? actor.uri,
          },
          // Remote follow: a visitor from elsewhere is sent to the social hub to follow from here.
          {
            rel: SUBSCRIBE_REL,
            template: `${config.apps.federation.publicUrl}/authorize_interaction?uri={uri}`,
          },
        ],
      });
    },
  );

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
    return appName === 'federation' && /^[a-z0-9_]{1,64}$/.test(user)
      ? { kind: 'member', username: user }
      : null;
  }

  app.get(
    '/.well-known/nodeinfo',
    { schema: { response: { 200: NodeInfoLinks } } },
    async (_request, reply) => {
      reply.header('access-control-allow-origin', '*');
      return reply.type('application/json; charset=utf-8').send({
        links: [{ rel: NODEINFO_SCHEMA, href: `${config.apps[appName].publicUrl}/nodeinfo/2.1` }],
      });
    },
  );

  app.get('/nodeinfo/2.1', { schema: { response: { 200: NodeInfo } } }, async (_request, reply) => {
    const usage = await nodeInfoUsage(db());
    reply.header('access-control-allow-origin', '*');
    return reply.type(`application/json; profile="${NODEINFO_SCHEMA}#"; charset=utf-8`).send({
      version: '2.1' as const,
      software: { name: 'rose-ash', version: '0.1.0', homepage: config.apps.blog.publicUrl },
      protocols: ['activitypub'],
      services: { inbound: [], outbound: [] },
      openRegistrations: true,
      usage: { users: { total: usage.users }, localPosts: usage.localPosts },
      metadata: { nodeName: `${config.site.name} ${config.apps[appName].title}`, app: appName },
    });
  });
}
