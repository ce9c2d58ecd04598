import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_BUILDERS } from '../../../dev/src/app-builders.ts';
import { users } from '../../../shared/src/db/schema/index.ts';
import { isPrivateAddress } from '../../../shared/src/infrastructure/activitypub/remote-fetch.ts';
import { sanitizeRemoteHtml } from '../../../shared/src/infrastructure/activitypub/sanitize.ts';
import { buildTestApp, type TestApp } from '../../../shared/src/testing/app.ts';
import { testConfig } from '../../../shared/src/testing/config.ts';
import { createTestDatabase, type TestDatabase } from '../../../shared/src/testing/database.ts';

const AS = 'application/activity+json';
let database: TestDatabase;
let blog: TestApp;
let market: TestApp;
let federation: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  const config = testConfig();
  [blog, market, federation] = await Promise.all([
    buildTestApp((await APP_BUILDERS.blog()).buildApp, { config, database }),
    buildTestApp((await APP_BUILDERS.market()).buildApp, { config, database }),
    buildTestApp((await APP_BUILDERS.federation()).buildApp, { config, database }),
  ]);
  await database.handle.db
    .insert(users)
    .values({ email: 'ann@example.com', username: 'ann', displayName: 'Ann' });
});

afterAll(async () => {
  await Promise.all([blog?.close(), market?.close(), federation?.close()]);
  await database?.drop();
});

function host(app: TestApp): string {
  return new URL(app.config.apps[app.app.appName].publicUrl).host;
}

describe('actors and WebFinger', () => {
  it('serves the blog Service actor as activity+json with both contexts and its own key id', async () => {
    const webfinger = await blog.app.inject({
      url: `/.well-known/webfinger?resource=${encodeURIComponent(`acct:blog@${host(blog)}`)}`,
    });
    expect(webfinger.statusCode).toBe(200);
    expect(webfinger.headers['content-type']).toContain('application/jrd+json');
    const jrd = webfinger.json();
    expect(jrd.subject).toBe(`acct:blog@${host(blog)}`);
    const self = jrd.links.find((l: { rel: string }) => l.rel === 'self');
    expect(self.type).toBe(AS);
    const actorUrl = `${blog.config.apps.blog.publicUrl}/ap/actor`;
    expect(self.href).toBe(actorUrl);

    const res = await blog.app.inject({
      url: '/ap/actor',
      headers: { accept: 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain(AS);
    expect(res.headers.vary).toMatch(/accept/i);
    const actor = res.json();
    expect(actor['@context']).toEqual(
      expect.arrayContaining(['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1']),
    );
    expect(actor).toMatchObject({
      id: actorUrl,
      type: 'Service',
      preferredUsername: 'blog',
      inbox: `${actorUrl}/inbox`,
      endpoints: { sharedInbox: `${blog.config.apps.blog.publicUrl}/ap/inbox` },
      publicKey: { id: `${actorUrl}#main-key`, owner: actorUrl },
    });

    // WebFinger round-trips: preferredUsername@actor host answers with the same actor.
    const again = await blog.app.inject({
      url: `/.well-known/webfinger?resource=acct:${actor.preferredUsername}@${new URL(actor.id).host}`,
    });
    expect(again.json().links[0].href).toBe(actor.id);
    const byUrl = await blog.app.inject({
      url: `/.well-known/webfinger?resource=${encodeURIComponent(actorUrl)}`,
    });
    expect(byUrl.json().subject).toBe(`acct:blog@${host(blog)}`);
  });

  it('publishes the same public key (from the configured private key) for every actor', async () => {
    const accept = { accept: AS };
    const [b, m, f, ann] = await Promise.all([
      blog.app.inject({ url: '/ap/actor', headers: accept }),
      market.app.inject({ url: '/ap/actor', headers: accept }),
      federation.app.inject({ url: '/ap/actor', headers: accept }),
      federation.app.inject({ url: '/users/ann', headers: accept }),
    ]);
    const expected = createPublicKey(blog.config.secrets.apPrivateKey).export({
      type: 'spki',
      format: 'pem',
    });
    const docs = [b, m, f, ann].map((r) => r.json());
    for (const doc of docs) {
      expect(doc.publicKey.publicKeyPem).toBe(expected);
      expect(doc.publicKey.id).toBe(`${doc.id}#main-key`);
      expect(doc.publicKey.owner).toBe(doc.id);
    }
    expect(docs[3]).toMatchObject({ type: 'Person', preferredUsername: 'ann', name: 'Ann' });
    expect(new Set(docs.map((d) => d.publicKey.id)).size).toBe(4);
  });

  it('answers WebFinger for members on federation only, 404 for unknown, 400 without resource', async () => {
    const fedHost = host(federation);
    expect(
      (await federation.app.inject({ url: `/.well-known/webfinger?resource=acct:ann@${fedHost}` }))
        .statusCode,
    ).toBe(200);
    expect(
      (await federation.app.inject({ url: `/.well-known/webfinger?resource=acct:nobody@${fedHost}` }))
        .statusCode,
    ).toBe(404);
    expect(
      (await blog.app.inject({ url: `/.well-known/webfinger?resource=acct:ann@${host(blog)}` })).statusCode,
    ).toBe(404);
    expect(
      (await blog.app.inject({ url: `/.well-known/webfinger?resource=acct:blog@elsewhere.example` }))
        .statusCode,
    ).toBe(404);
    expect((await blog.app.inject({ url: '/.well-known/webfinger' })).statusCode).toBe(400);
    expect((await federation.app.inject({ url: '/users/nobody', headers: { accept: AS } })).statusCode).toBe(
      404,
    );
  });

  it('shows browsers an HTML profile with the handle and how to follow', async () => {
    const res = await market.app.inject({
      url: '/ap/actor',
      headers: { accept: 'text/html,application/xhtml+xml' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers.vary).toMatch(/accept/i);
    expect(res.body).toContain(`@market@${host(market)}`);
    expect(res.body).toContain('Follow from another server');
    const member = await federation.app.inject({ url: '/users/ann' });
    expect(member.body).toContain(`@ann@${host(federation)}`);
  });

  it('serves NodeInfo 2.1 from every host', async () => {
    for (const app of [blog, market]) {
      const wellKnown = (await app.app.inject({ url: '/.well-known/nodeinfo' })).json();
      const link = wellKnown.links[0];
      expect(link.rel).toBe('http://nodeinfo.diaspora.software/ns/schema/2.1');
      const res = await app.app.inject({ url: new URL(link.href).pathname });
      expect(res.statusCode).toBe(200);
      const info = res.json();
      expect(info).toMatchObject({
        version: '2.1',
        software: { name: 'rose-ash' },
        protocols: ['activitypub'],
        services: { inbound: [], outbound: [] },
      });
      expect(typeof info.openRegistrations).toBe('boolean');
      expect(info.usage.users.total).toBe(1);
    }
  });

  it('serves outbox, followers and following as paged collections', async () => {
    for (const which of ['outbox', 'followers', 'following']) {
      const res = await blog.app.inject({ url: `/ap/actor/${which}`, headers: { accept: AS } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        type: 'OrderedCollection',
        totalItems: 0,
        first: expect.stringContaining('?page=1'),
      });
      const page = await blog.app.inject({ url: `/ap/actor/${which}?page=1`, headers: { accept: AS } });
      expect(page.json()).toMatchObject({ type: 'OrderedCollectionPage', orderedItems: [] });
    }
    expect((await blog.app.inject({ url: '/ap/actor/outbox?page=0' })).statusCode).toBe(400);
  });

  it('refuses inbox bodies that are not ActivityStreams JSON', async () => {
    const res = await blog.app.inject({
      method: 'POST',
      url: '/ap/inbox',
      headers: { 'content-type': 'text/plain' },
      payload: 'x',
    });
    expect(res.statusCode).toBe(415);
    const bad = await blog.app.inject({
      method: 'POST',
      url: '/ap/inbox',
      headers: { 'content-type': AS },
      payload: '{nope',
    });
    expect(bad.statusCode).toBe(400);
  });
});

describe('guards', () => {
  it('classifies private and loopback addresses', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '192.168.0.1',
      '172.20.0.1',
      '169.254.1.1',
      '::1',
      'fd00::1',
      '::ffff:127.0.0.1',
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.216.34', '2606:4700::1111']) expect(isPrivateAddress(a), a).toBe(false);
  });

  it('sanitizes remote HTML with the allowlist', () => {
    const clean = sanitizeRemoteHtml(
      '<p onclick="x()">hi <script>alert(1)</script><a href="javascript:x">a</a><img src=x></p>',
    );
    expect(clean).not.toMatch(/script|onclick|javascript|<img/);
    expect(clean).toContain('<p>hi');
  });
});
