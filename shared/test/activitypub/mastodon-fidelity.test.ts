/**
 * What Mastodon needs from every host (issue 12, items 18, 22, 23): PNG avatars and headers for
 * the six app actors, one canonical URL per member actor, and a documented development switch
 * for federating with a server on this machine, whose refusals say which address and why.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_BUILDERS } from '../../../dev/src/app-builders.ts';
import { APP_NAMES, ConfigError } from '../../src/config/index.ts';
import { users } from '../../src/db/schema/index.ts';
import { actorDocument } from '../../src/infrastructure/activitypub/actors.ts';
import { remoteFetchOptions } from '../../src/infrastructure/activitypub/remote-fetch.ts';
import { SHARED_STATIC_DIR } from '../../src/infrastructure/templates.ts';
import { loadLocalActor } from '../../src/services/federation/actor-store.ts';
import { buildTestApp, type TestApp } from '../../src/testing/app.ts';
import { createTestCache } from '../../src/testing/cache.ts';
import { testConfig } from '../../src/testing/config.ts';
import { createTestDatabase, type TestDatabase } from '../../src/testing/database.ts';
import { freePort, listen } from '../../src/testing/http.ts';
import { RemoteFediverse } from '../../src/testing/remote-fediverse.ts';

let database: TestDatabase;
let federation: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  federation = await buildTestApp((await APP_BUILDERS.federation()).buildApp, {
    config: testConfig(),
    database,
  });
  await database.handle.db.insert(users).values({ email: 'admin@example.com', username: 'admin' });
});
afterAll(async () => {
  await federation?.close();
  await database?.drop();
});

/** Width and height from a PNG's IHDR. */
function pngSize(file: Buffer): [number, number] {
  expect(file.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return [file.readUInt32BE(16), file.readUInt32BE(20)];
}

describe('app actors as Mastodon reads them', () => {
  it('18. every app actor has a PNG avatar (square) and a PNG header (3:1), both on disk', async () => {
    const config = federation.config;
    for (const app of APP_NAMES) {
      const actor = await loadLocalActor(database.handle.db, config, { kind: 'app', app });
      const doc = actorDocument(config, actor!, 'PEM') as unknown as Record<
        string,
        { mediaType: string; url: string }
      >;
      expect(doc.icon?.mediaType, app).toBe('image/png');
      expect(doc.image?.mediaType, app).toBe('image/png');
      expect(doc.icon?.url).toBe(`${config.apps[app].publicUrl}/static/img/actors/${app}.png`);
      const icon = readFileSync(join(SHARED_STATIC_DIR, 'img/actors', `${app}.png`));
      const header = readFileSync(join(SHARED_STATIC_DIR, 'img/actors', `${app}-header.png`));
      expect(pngSize(icon)).toEqual([400, 400]);
      expect(pngSize(header)).toEqual([1500, 500]);
    }
    const served = await federation.app.inject({
      url: '/ap/actor',
      headers: { accept: 'application/activity+json' },
    });
    const image = await federation.app.inject({ url: new URL(served.json().icon.url).pathname });
    expect(image.headers['content-type']).toBe('image/png');
  });
});

describe('member actors', () => {
  it('22. /users/ADMIN redirects to the canonical /users/admin, which serves id /users/admin', async () => {
    const upper = await federation.app.inject({
      url: '/users/ADMIN',
      headers: { accept: 'application/activity+json' },
    });
    expect(upper.statusCode).toBe(301);
    expect(upper.headers.location).toBe('/users/admin');
    const outbox = await federation.app.inject({ url: '/users/Admin/outbox?page=1' });
    expect(outbox.statusCode).toBe(301);
    expect(outbox.headers.location).toBe('/users/admin/outbox?page=1');
    const canonical = await federation.app.inject({
      url: '/users/admin',
      headers: { accept: 'application/activity+json' },
    });
    expect(canonical.statusCode).toBe(200);
    expect(canonical.json().id).toBe(`${federation.config.apps.federation.publicUrl}/users/admin`);
  });
});

describe('private addresses (23)', () => {
  it('are reachable in tests, in development only behind AP_ALLOW_PRIVATE_ADDRESSES, never in production', () => {
    expect(remoteFetchOptions(testConfig()).allowPrivateAddress).toBe(true);
    expect(remoteFetchOptions(testConfig({ env: { NODE_ENV: 'development' } })).allowPrivateAddress).toBe(
      false,
    );
    const dev = testConfig({ env: { NODE_ENV: 'development', AP_ALLOW_PRIVATE_ADDRESSES: 'true' } });
    expect(remoteFetchOptions(dev).allowPrivateAddress).toBe(true);
    expect(() => testConfig({ env: { NODE_ENV: 'production', AP_ALLOW_PRIVATE_ADDRESSES: 'true' } })).toThrow(
      ConfigError,
    );
    try {
      testConfig({ env: { NODE_ENV: 'production', AP_ALLOW_PRIVATE_ADDRESSES: 'true' } });
    } catch (err) {
      expect((err as ConfigError).problems.join('\n')).toMatch(
        /AP_ALLOW_PRIVATE_ADDRESSES: refused in production/,
      );
    }
    const example = readFileSync(join(federation.config.paths.root, '.env.example'), 'utf8');
    expect(example).toMatch(/^AP_ALLOW_PRIVATE_ADDRESSES=$/m);
    expect(readFileSync(join(federation.config.paths.root, 'README.md'), 'utf8')).toContain(
      'AP_ALLOW_PRIVATE_ADDRESSES=true',
    );
  });

  it('a refused key fetch answers 401 and is logged with the address and the reason', async () => {
    const remote = await RemoteFediverse.start();
    const port = await freePort();
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _encoding, done) {
          for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
          done();
        },
      }),
    );
    // Development without the switch: the remote server on 127.0.0.1 is refused.
    const config = testConfig({
      env: { NODE_ENV: 'development', BLOG_PUBLIC_URL: `http://127.0.0.1:${port}` },
    });
    const cache = createTestCache();
    const blog = await (await APP_BUILDERS.blog()).buildApp({ config, db: database.handle, cache, logger });
    try {
      await listen(blog, port);
      const alice = remote.addActor('alice');
      const follow = {
        '@context': 'https://www.w3.org/ns/activitystreams',
        id: `${remote.origin}/follows/1`,
        type: 'Follow',
        actor: alice.id,
        object: `${config.apps.blog.publicUrl}/ap/actor`,
      };
      const res = await remote.signedPost(alice, `${config.apps.blog.publicUrl}/ap/actor/inbox`, follow);
      expect(res.status).toBe(401);
      expect(res.body).toContain('127.0.0.1 is a private or loopback address');
      const refusal = lines.find(
        (l) => l.msg === 'inbox refused: the key is on a private or loopback address',
      );
      expect(refusal).toMatchObject({ address: '127.0.0.1', level: 40 });
      expect(String(refusal?.reason)).toContain('AP_ALLOW_PRIVATE_ADDRESSES=true');
    } finally {
      await blog.close();
      await cache.dispose();
      await remote.close();
    }
  });
});
