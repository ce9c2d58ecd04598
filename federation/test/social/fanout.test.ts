/**
 * Fan-out: a member's public note to 1 000 followers on 50 hosts becomes one delivery per
 * host (shared inboxes), each POST signed with the member's key id. How fast is for
 * `pnpm bench ap-fanout`; this checks how many.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apDeliveries, apFollows, apRemoteActors } from '@rose-ash/shared/db/schema/index.ts';
import { ensureLocalActorId } from '@rose-ash/shared/services/federation/actor-store.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { signInAs } from '@rose-ash/shared/testing/sessions.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { EventProcessor } from '../../src/services/event-processor.ts';
import { memberWithHandle } from './helpers.ts';

const HOSTS = 50;
const FOLLOWERS = 1_000;
let t: TestApp;
const servers: {
  server: Server;
  origin: string;
  posts: { path: string; signature: string; body: string }[];
}[] = [];

beforeAll(async () => {
  t = await buildTestApp(buildApp, { config: testConfig() });
  for (let i = 0; i < HOSTS; i++) {
    const posts: { path: string; signature: string; body: string }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        posts.push({
          path: req.url ?? '',
          signature: String(req.headers['signature'] ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts });
  }
});
afterAll(async () => {
  await Promise.all(servers.map(({ server }) => new Promise((r) => server.close(r))));
  await t?.close();
});

it('a public note to 1 000 followers on 50 hosts is 50 signed POSTs, one per shared inbox', async () => {
  const member = await memberWithHandle(t.app, signInAs, 'fan@example.org', 'fan');
  const memberUri = `${t.config.apps.federation.publicUrl}/users/fan`;
  const localActorId = await ensureLocalActorId(t.app.db.db, t.config, { kind: 'member', username: 'fan' });
  const perHost = FOLLOWERS / HOSTS;
  const followers = servers.flatMap(({ origin }) =>
    Array.from({ length: perHost }, (_, i) => ({
      uri: `${origin}/users/f${i}`,
      type: 'Person',
      inbox: `${origin}/users/f${i}/inbox`,
      sharedInbox: `${origin}/inbox`,
      host: new URL(origin).host,
      raw: {},
    })),
  );
  await t.app.db.db.insert(apRemoteActors).values(followers);
  await t.app.db.db.insert(apFollows).values(
    followers.map((f) => ({
      followerUri: f.uri,
      followingUri: memberUri,
      localActorId: localActorId as number,
      direction: 'in' as const,
      state: 'accepted' as const,
    })),
  );
  const published = await t.app.services.federation.publishNote(
    member.userId,
    { content: 'Hello everyone', contentWarning: null, visibility: 'public', inReplyToId: null },
    { timeoutMs: 1_000 },
  );
  expect(published.ok).toBe(true);
  const processor = new EventProcessor({ db: t.database.handle, config: t.config, logger: t.app.log });
  for (let i = 0; i < 10; i++) {
    const { activities, deliveries } = await processor.runOnce();
    if (!activities && !deliveries) break;
  }
  const deliveries = await t.app.db.db.select().from(apDeliveries);
  expect(deliveries).toHaveLength(HOSTS);
  expect(deliveries.every((d) => d.status === 'delivered')).toBe(true);
  for (const { posts } of servers) {
    expect(posts).toHaveLength(1);
    expect(posts[0]?.path).toBe('/inbox');
    expect(posts[0]?.signature).toContain(`keyId="${memberUri}#main-key"`);
    expect(JSON.parse(posts[0]?.body ?? '{}')).toMatchObject({ type: 'Create', actor: memberUri });
  }
});
