import { randomUUID } from 'node:crypto';
import type { AppConfig } from '@rose-ash/shared/config/index.ts';
import {
  apActivities,
  apBlocks,
  apDeliveries,
  apDeliveryAttempts,
  apFollows,
  apInteractions,
  apNotifications,
  apObjects,
  users,
} from '@rose-ash/shared/db/schema/index.ts';
import { createFederationService } from '@rose-ash/shared/services/federation/federation-service.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { createTestDatabase, requirePostgres, type TestDatabase } from '@rose-ash/shared/testing/database.ts';
import { freePort, listen } from '@rose-ash/shared/testing/http.ts';
import { RemoteFediverse } from '@rose-ash/shared/testing/remote-fediverse.ts';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { APP_BUILDERS } from '../../../dev/src/app-builders.ts';
import { buildApp as buildFederation } from '../../src/app.ts';
import { EventProcessor } from '../../src/services/event-processor.ts';

const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';
let database: TestDatabase;
let config: AppConfig;
let blog: TestApp;
let market: TestApp;
let federation: TestApp;
let remoteA: RemoteFediverse;
let remoteB: RemoteFediverse;

beforeAll(async () => {
  database = await createTestDatabase();
  const [blogPort, marketPort, federationPort] = await Promise.all([freePort(), freePort(), freePort()]);
  config = testConfig({
    env: {
      BLOG_PUBLIC_URL: `http://127.0.0.1:${blogPort}`,
      MARKET_PUBLIC_URL: `http://127.0.0.1:${marketPort}`,
      FEDERATION_PUBLIC_URL: `http://127.0.0.1:${federationPort}`,
    },
  });
  [blog, market, federation] = await Promise.all([
    buildTestApp((await APP_BUILDERS.blog()).buildApp, { config, database }),
    buildTestApp((await APP_BUILDERS.market()).buildApp, { config, database }),
    buildTestApp(buildFederation, { config, database }),
  ]);
  await Promise.all([
    listen(blog.app, blogPort),
    listen(market.app, marketPort),
    listen(federation.app, federationPort),
  ]);
  [remoteA, remoteB] = await Promise.all([RemoteFediverse.start(), RemoteFediverse.start()]);
});

afterAll(async () => {
  await Promise.all([
    blog?.close(),
    market?.close(),
    federation?.close(),
    remoteA?.close(),
    remoteB?.close(),
  ]);
  await database?.drop();
});

beforeEach(async () => {
  // Each test starts with an empty log and no follows, so counts are about that test only.
  await database.handle.query(
    'TRUNCATE ap_activities, ap_follows, ap_remote_actors, ap_objects, ap_blocks CASCADE',
  );
  remoteA.received.length = 0;
  remoteB.received.length = 0;
});

function processor(options: Partial<ConstructorParameters<typeof EventProcessor>[0]> = {}) {
  return new EventProcessor({
    db: database.handle,
    config,
    logger: federation.app.log,
    retrySchedule: [30, 30, 30],
    pollIntervalMs: 20,
    ...options,
  });
}

/** Runs passes until nothing is left to do (or the limit). */
async function drain(p: EventProcessor, passes = 20) {
  for (let i = 0; i < passes; i++) {
    const { activities, deliveries } = await p.runOnce();
    const [pending] = await database.handle.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ap_deliveries WHERE status = 'pending'`,
    );
    if (!activities && !deliveries && !pending?.n) return;
    if (!activities && !deliveries) await new Promise((r) => setTimeout(r, 40));
  }
}

const marketActor = () => `${config.apps.market.publicUrl}/ap/actor`;
const blogActor = () => `${config.apps.blog.publicUrl}/ap/actor`;

function followOf(remote: RemoteFediverse, actorId: string, target: string) {
  return {
    '@context': 'https://www.w3.org/ns/activitystreams',
    id: `${remote.origin}/follows/${randomUUID()}`,
    type: 'Follow',
    actor: actorId,
    object: target,
  };
}

async function addFollower(target: string, follower: { id: string }) {
  const localActorId = (
    await database.handle.query<{ id: number }>(
      `INSERT INTO ap_actors (kind, app_name, username, host) VALUES ('app', 'blog', 'blog', $1)
       ON CONFLICT (app_name) DO UPDATE SET host = excluded.host RETURNING id`,
      [new URL(target).host],
    )
  )[0]?.id as number;
  await database.handle.db.insert(apFollows).values({
    followerUri: follower.id,
    followingUri: target,
    localActorId,
    direction: 'in',
    state: 'accepted',
  });
}

describe('inbox', () => {
  it('stores a signed Follow, answers 202 and sends a signed Accept that embeds the Follow', async () => {
    const alice = remoteA.addActor('alice');
    const follow = followOf(remoteA, alice.id, marketActor());
    const res = await remoteA.signedPost(alice, `${marketActor()}/inbox`, follow);
    expect(res.status).toBe(202);
    await drain(processor());

    const [stored] = await database.handle.db
      .select()
      .from(apFollows)
      .where(eq(apFollows.followerUri, alice.id));
    expect(stored).toMatchObject({
      followingUri: marketActor(),
      direction: 'in',
      state: 'accepted',
      followActivityId: follow.id,
    });
    const accepts = remoteA.postsTo('/users/alice/inbox');
    expect(accepts).toHaveLength(1);
    const accept = accepts[0];
    expect(accept?.verified, accept?.verifyError ?? '').toBe(true);
    expect(accept?.keyId).toBe(`${marketActor()}#main-key`);
    expect(accept?.json).toMatchObject({
      type: 'Accept',
      actor: marketActor(),
      object: { id: follow.id, type: 'Follow', actor: alice.id, object: marketActor() },
    });

    // Undo(Follow) embedding the Follow removes the follower.
    const undo = {
      id: `${remoteA.origin}/undo/${randomUUID()}`,
      type: 'Undo',
      actor: alice.id,
      object: follow,
    };
    expect((await remoteA.signedPost(alice, `${config.apps.market.publicUrl}/ap/inbox`, undo)).status).toBe(
      202,
    );
    await drain(processor());
    expect(
      await database.handle.db.select().from(apFollows).where(eq(apFollows.followerUri, alice.id)),
    ).toHaveLength(0);
  });

  it('refuses unsigned, tampered, stale and impersonating requests with 401 and stores nothing', async () => {
    const bob = remoteA.addActor('bob');
    const carol = remoteA.addActor('carol');
    const inbox = `${marketActor()}/inbox`;
    const follow = () => followOf(remoteA, bob.id, marketActor());
    expect((await remoteA.signedPost(bob, inbox, follow(), { unsigned: true })).status).toBe(401);
    expect((await remoteA.signedPost(bob, inbox, follow(), { tamperDigest: true })).status).toBe(401);
    expect(
      (await remoteA.signedPost(bob, inbox, follow(), { date: new Date(Date.now() - 2 * 3600_000) })).status,
    ).toBe(401);
    // Signed by carol, claiming to be bob.
    expect((await remoteA.signedPost(bob, inbox, follow(), { keyId: carol.keyId })).status).toBe(401);
    // Mastodon's rule: the host header must be covered too.
    const hostless = { signedHeaders: ['(request-target)', 'date', 'digest'] };
    expect((await remoteA.signedPost(bob, inbox, follow(), hostless)).status).toBe(401);
    expect(await database.handle.db.select().from(apActivities)).toHaveLength(0);
  });

  it('keeps accepting a sender after it rotates its key (cached key refetched once)', async () => {
    const gil = remoteB.addActor('gil');
    const inbox = `${marketActor()}/inbox`;
    const keyFetches = () => remoteB.fetched.filter((p) => p === '/users/gil').length;
    for (let i = 0; i < 2; i++) {
      expect((await remoteB.signedPost(gil, inbox, followOf(remoteB, gil.id, marketActor()))).status).toBe(
        202,
      );
    }
    expect(keyFetches()).toBe(1);
    remoteB.rotateKey();
    expect((await remoteB.signedPost(gil, inbox, followOf(remoteB, gil.id, marketActor()))).status).toBe(202);
    expect(keyFetches()).toBe(2);
    expect(await database.handle.db.select().from(apActivities)).toHaveLength(3);
  });

  it('refuses a blocked domain with 403', async () => {
    const dave = remoteB.addActor('dave');
    await database.handle.db
      .insert(apBlocks)
      .values({ kind: 'domain', value: new URL(remoteB.origin).hostname });
    const res = await remoteB.signedPost(
      dave,
      `${marketActor()}/inbox`,
      followOf(remoteB, dave.id, marketActor()),
    );
    expect(res.status).toBe(403);
    expect(await database.handle.db.select().from(apActivities)).toHaveLength(0);
  });

  it('stores a remote Note without scripts or event handlers', async () => {
    const erin = remoteA.addActor('erin');
    const note = {
      id: `${erin.id}/notes/1`,
      type: 'Note',
      attributedTo: erin.id,
      content: '<p onclick="steal()">Hello <script>alert(1)</script><strong>world</strong></p>',
      to: [PUBLIC],
      published: new Date().toISOString(),
    };
    const create = {
      id: `${erin.id}/notes/1/activity`,
      type: 'Create',
      actor: erin.id,
      object: note,
      to: [PUBLIC],
    };
    expect((await remoteA.signedPost(erin, `${config.apps.blog.publicUrl}/ap/inbox`, create)).status).toBe(
      202,
    );
    // The same activity through a second inbox is stored once.
    expect((await remoteA.signedPost(erin, `${blogActor()}/inbox`, create)).status).toBe(202);
    await drain(processor());
    const [stored] = await database.handle.db.select().from(apObjects).where(eq(apObjects.uri, note.id));
    expect(stored?.content).toContain('<strong>world</strong>');
    expect(stored?.content).not.toMatch(/script|onclick|alert/);
    expect(stored?.visibility).toBe('public');
    expect(
      await database.handle.db.select().from(apActivities).where(eq(apActivities.activityId, create.id)),
    ).toHaveLength(1);
    // An object from another origin, or ids that are not URLs, are malformed: 400.
    const inbox = `${blogActor()}/inbox`;
    const elsewhere = {
      ...create,
      id: `${create.id}-2`,
      object: { ...note, id: 'https://elsewhere.example/n/1' },
    };
    expect((await remoteA.signedPost(erin, inbox, elsewhere)).status).toBe(400);
    const notUrl = { ...create, id: `${create.id}-3`, object: { ...note, id: 'not a url' } };
    expect((await remoteA.signedPost(erin, inbox, notUrl)).status).toBe(400);
    expect((await remoteA.signedPost(erin, inbox, { ...create, id: 'nope' })).status).toBe(400);
  });

  it('records Likes and Announces and notifies members of mentions', async () => {
    const fay = remoteA.addActor('fay');
    const [ann] = await database.handle.db
      .insert(users)
      .values({ email: `ann-${randomUUID()}@example.com`, username: `ann${Date.now() % 100000}` })
      .returning();
    const annUri = `${config.apps.federation.publicUrl}/users/${ann?.username}`;
    const note = {
      id: `${fay.id}/notes/mention`,
      type: 'Note',
      attributedTo: fay.id,
      content: `<p>hi <a href="${annUri}">@ann</a></p>`,
      tag: [{ type: 'Mention', href: annUri }],
      to: [annUri],
    };
    const sharedInbox = `${config.apps.federation.publicUrl}/ap/inbox`;
    const create = { id: `${note.id}/create`, type: 'Create', actor: fay.id, object: note, to: [annUri] };
    const like = {
      id: `${fay.id}/likes/1`,
      type: 'Like',
      actor: fay.id,
      object: `${config.apps.blog.publicUrl}/posts/x`,
    };
    const announce = {
      id: `${fay.id}/boosts/1`,
      type: 'Announce',
      actor: fay.id,
      object: `${config.apps.blog.publicUrl}/posts/x`,
      to: [PUBLIC],
    };
    for (const activity of [create, like, announce]) {
      expect((await remoteA.signedPost(fay, sharedInbox, activity)).status).toBe(202);
    }
    await drain(processor());
    const notifications = await database.handle.db
      .select()
      .from(apNotifications)
      .where(eq(apNotifications.userId, ann?.id as number));
    expect(notifications).toMatchObject([{ type: 'mention', actorUri: fay.id, objectUri: note.id }]);
    const interactions = await database.handle.db
      .select()
      .from(apInteractions)
      .where(eq(apInteractions.actorUri, fay.id));
    expect(interactions.map((i) => i.type).sort()).toEqual(['announce', 'like']);
    const [stored] = await database.handle.db.select().from(apObjects).where(eq(apObjects.uri, note.id));
    expect(stored?.visibility).toBe('direct');
  });
});

describe('delivery', () => {
  it('collapses followers behind one shared inbox: three followers on two hosts → two POSTs', async () => {
    const f1 = remoteA.addActor('f1', { sharedInbox: true });
    const f2 = remoteA.addActor('f2', { sharedInbox: true });
    const f3 = remoteB.addActor('f3');
    for (const f of [f1, f2, f3]) await addFollower(blogActor(), f);
    const federationService = createFederationService({ db: database.handle, config });
    const { activityId } = await database.handle.db.transaction((tx) =>
      federationService.emit(
        {
          actor: { app: 'blog' },
          type: 'Create',
          object: { id: `${config.apps.blog.publicUrl}/posts/hello`, type: 'Note', content: '<p>Hello</p>' },
          to: [PUBLIC],
          cc: [`${blogActor()}/followers`],
        },
        tx,
      ),
    );
    expect(activityId.startsWith(`${config.apps.blog.publicUrl}/ap/activities/`)).toBe(true);
    await drain(processor());
    const posts = [...remoteA.received, ...remoteB.received];
    expect(posts.map((p) => `${p.path}`).sort()).toEqual(['/inbox', '/users/f3/inbox']);
    for (const p of posts) {
      expect(p.verified, p.verifyError ?? '').toBe(true);
      expect(p.keyId).toBe(`${blogActor()}#main-key`);
      expect(p.json).toMatchObject({ id: activityId, type: 'Create', actor: blogActor() });
    }
    // The activity is dereferenceable at its id, and listed in the outbox.
    const res = await fetch(activityId, { headers: { accept: 'application/activity+json' } });
    expect((await res.json()).id).toBe(activityId);
    const outbox = await fetch(`${blogActor()}/outbox?page=1`, {
      headers: { accept: 'application/activity+json' },
    });
    expect((await outbox.json()).orderedItems.map((a: { id: string }) => a.id)).toContain(activityId);
  });

  it('retries 500, 500 then delivers on the third attempt; gives up on 410 and records it', async () => {
    const g = remoteA.addActor('g');
    const h = remoteB.addActor('h');
    await addFollower(blogActor(), g);
    await addFollower(blogActor(), h);
    remoteA.respondWith('/users/g/inbox', [500, 500, 202]);
    remoteB.respondWith('/users/h/inbox', [410]);
    const federationService = createFederationService({ db: database.handle, config });
    await federationService.emit({
      actor: { app: 'blog' },
      type: 'Create',
      object: { id: `${config.apps.blog.publicUrl}/posts/retry`, type: 'Note', content: 'x' },
      to: [PUBLIC],
      cc: [`${blogActor()}/followers`],
    });
    await drain(processor());
    expect(remoteA.postsTo('/users/g/inbox').map((p) => p.status)).toEqual([500, 500, 202]);
    expect(remoteB.postsTo('/users/h/inbox').map((p) => p.status)).toEqual([410]);
    const deliveries = await database.handle.db.select().from(apDeliveries);
    const byInbox = Object.fromEntries(deliveries.map((d) => [d.inboxUrl, d]));
    expect(byInbox[g.inbox]).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 202 });
    expect(byInbox[h.inbox]).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: 410 });
    const attempts = await database.handle.db
      .select()
      .from(apDeliveryAttempts)
      .where(
        inArray(
          apDeliveryAttempts.deliveryId,
          deliveries.map((d) => d.id),
        ),
      );
    expect(attempts.map((a) => a.statusCode).sort()).toEqual([202, 410, 500, 500]);
  });

  it('signs a member Person activity with the member key id; a dead inbox stops after the schedule', async () => {
    const n = remoteA.addActor('n');
    const o = remoteB.addActor('o');
    const [member] = await database.handle.db
      .insert(users)
      .values({ email: `m-${randomUUID()}@example.com`, username: `m${Date.now() % 100000}` })
      .returning();
    const memberUri = `${config.apps.federation.publicUrl}/users/${member?.username}`;
    const memberActorId = (
      await database.handle.query<{ id: number }>(
        `INSERT INTO ap_actors (kind, user_id, username, host) VALUES ('member', $1, $2, $3) RETURNING id`,
        [member?.id, member?.username, new URL(memberUri).host],
      )
    )[0]?.id as number;
    for (const f of [n, o]) {
      await database.handle.db.insert(apFollows).values({
        followerUri: f.id,
        followingUri: memberUri,
        localActorId: memberActorId,
        direction: 'in',
        state: 'accepted',
      });
    }
    remoteB.respondWith('/users/o/inbox', [503, 503, 503, 503, 503]);
    const federationService = createFederationService({ db: database.handle, config });
    const { activityId } = await federationService.emit({
      actor: { userId: member?.id as number },
      type: 'Create',
      object: { id: `${memberUri}/notes/1`, type: 'Note', content: '<p>hi</p>' },
      to: [`${memberUri}/followers`],
    });
    expect(activityId.startsWith(`${config.apps.federation.publicUrl}/ap/activities/`)).toBe(true);
    await drain(processor({ retrySchedule: [20, 20] }));
    const [post] = remoteA.postsTo('/users/n/inbox');
    expect(post?.verified, post?.verifyError ?? '').toBe(true);
    expect(post?.keyId).toBe(`${memberUri}#main-key`);
    // Followers-only: the object carries the audience too, and it is not in the public outbox.
    expect(post?.json).toMatchObject({ actor: memberUri, object: { to: [`${memberUri}/followers`] } });
    expect(remoteB.postsTo('/users/o/inbox')).toHaveLength(3);
    const [dead] = await database.handle.db
      .select()
      .from(apDeliveries)
      .where(eq(apDeliveries.inboxUrl, o.inbox));
    expect(dead).toMatchObject({ status: 'dead', attempts: 3, lastStatusCode: 503 });
    const outbox = await fetch(`${memberUri}/outbox`, { headers: { accept: 'application/activity+json' } });
    expect((await outbox.json()).totalItems).toBe(0);
  });

  async function emitMany(n: number, followers: { id: string }[]) {
    for (const f of followers) await addFollower(blogActor(), f);
    const federationService = createFederationService({ db: database.handle, config });
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const { activityId } = await federationService.emit({
        actor: { app: 'blog' },
        type: 'Create',
        object: { id: `${config.apps.blog.publicUrl}/posts/${randomUUID()}`, type: 'Note', content: `n${i}` },
        to: [PUBLIC],
        cc: [`${blogActor()}/followers`],
      });
      ids.push(activityId);
    }
    return ids;
  }

  function deliveredIds(remote: RemoteFediverse, path: string) {
    return remote.postsTo(path).map((p) => String(p.json?.['id']));
  }

  it('loses nothing and delivers nothing twice when a processor dies mid-batch', async (context) => {
    requirePostgres(context, 'a claim left open by a dead worker, taken over by another connection');
    const k = remoteA.addActor('k');
    const ids = await emitMany(6, [k]);
    let handled = 0;
    const doomed = processor({
      batchSize: 6,
      staleClaimMs: 300,
      // The third activity never finishes: the worker is as good as killed.
      beforeActivity: () => (++handled === 3 ? new Promise<void>(() => {}) : Promise.resolve()),
    });
    void doomed.runOnce();
    await remoteA.waitFor(() => handled === 3);
    await new Promise((r) => setTimeout(r, 400));
    await drain(processor({ staleClaimMs: 300 }));
    expect(deliveredIds(remoteA, '/users/k/inbox').sort()).toEqual([...ids].sort());
    const rows = await database.handle.db
      .select()
      .from(apActivities)
      .where(inArray(apActivities.activityId, ids));
    expect(rows.every((r) => r.status === 'done')).toBe(true);
  });

  it('two processors at once handle each activity once', async (context) => {
    requirePostgres(context, 'two processors claiming with FOR UPDATE SKIP LOCKED on separate connections');
    const m = remoteB.addActor('m');
    const ids = await emitMany(10, [m]);
    const [one, two] = [processor({ batchSize: 3 }), processor({ batchSize: 3 })];
    // Both run as the app runs them: background polling loops.
    one.start();
    two.start();
    await remoteB.waitFor(() => remoteB.postsTo('/users/m/inbox').length >= ids.length);
    await new Promise((r) => setTimeout(r, 200));
    await Promise.all([one.stop(), two.stop()]);
    expect(deliveredIds(remoteB, '/users/m/inbox').sort()).toEqual([...ids].sort());
    const rows = await database.handle.db
      .select()
      .from(apActivities)
      .where(inArray(apActivities.activityId, ids));
    expect(rows.map((r) => r.attempts)).toEqual(ids.map(() => 1));
  });
});
