/**
 * Compose and read: addressing per visibility (public, unlisted, followers-only,
 * mentioned-only), who sees what, content warnings, hashtags, edit (Update) and delete
 * (Delete + Tombstone, 410), timelines paged by id, likes and boosts between members with
 * notifications, and follow requests for members who approve followers by hand.
 */
import { randomUUID } from 'node:crypto';
import type { AppConfig } from '@rose-ash/shared/config/index.ts';
import { apActivities, apFollows, apNotifications } from '@rose-ash/shared/db/schema/index.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { freePort, listen } from '@rose-ash/shared/testing/http.ts';
import { RemoteFediverse } from '@rose-ash/shared/testing/remote-fediverse.ts';
import { signInAs } from '@rose-ash/shared/testing/sessions.ts';
import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { EventProcessor } from '../../src/services/event-processor.ts';
import { AS, memberWithHandle, PUBLIC, postForm } from './helpers.ts';

let t: TestApp;
let config: AppConfig;
let remote: RemoteFediverse;
type Member = { cookies: Record<string, string>; userId: number };
let ada: Member;
let ben: Member;
let cy: Member;
const uri = (name: string) => `${config.apps.federation.publicUrl}/users/${name}`;

beforeAll(async () => {
  const port = await freePort();
  config = testConfig({
    env: {
      FEDERATION_PUBLIC_URL: `http://127.0.0.1:${port}`,
      FEDERATION_INTERNAL_URL: `http://127.0.0.1:${port}`,
    },
  });
  t = await buildTestApp(buildApp, { config });
  await listen(t.app, port);
  remote = await RemoteFediverse.start();
  ada = await memberWithHandle(t.app, signInAs, 'ada@example.org', 'ada');
  ben = await memberWithHandle(t.app, signInAs, 'ben@example.org', 'ben');
  cy = await memberWithHandle(t.app, signInAs, 'cy@example.org', 'cy');
});
afterAll(async () => {
  await remote?.close();
  await t?.close();
});

const page = (url: string, who?: Member) =>
  t.app.inject({ url, cookies: who?.cookies ?? {}, headers: { accept: 'text/html' } });

async function post(who: Member, fields: Record<string, string>): Promise<number> {
  const res = await postForm(t.app, '/social/home', '/social/notes', who.cookies, {
    visibility: 'public',
    ...fields,
  });
  expect(res.statusCode, res.body.slice(0, 500)).toBe(303);
  return Number(res.headers.location?.match(/\/social\/notes\/(\d+)/)?.[1]);
}

async function lastActivity(type: string, actor: string) {
  const [row] = await t.app.db.db
    .select()
    .from(apActivities)
    .where(and(eq(apActivities.type, type), eq(apActivities.actorUri, actor)))
    .orderBy(desc(apActivities.id))
    .limit(1);
  return row?.object as Record<string, unknown> & { object: Record<string, unknown> };
}

async function drain() {
  const processor = new EventProcessor({
    db: t.database.handle,
    config,
    logger: t.app.log,
    retrySchedule: [30],
  });
  for (let i = 0; i < 20; i++) {
    const { activities, deliveries } = await processor.runOnce();
    await remote.settle();
    if (!activities && !deliveries) return;
  }
}

describe('compose', () => {
  it('addresses each visibility as ACTIVITYPUB.md says and shows each only to whom it may', async () => {
    const followers = `${uri('ada')}/followers`;
    const ids: Record<string, number> = {};
    for (const visibility of ['public', 'unlisted', 'followers'] as const) {
      ids[visibility] = await post(ada, { content: `A ${visibility} post`, visibility });
      const create = await lastActivity('Create', uri('ada'));
      const expected = {
        public: { to: [PUBLIC], cc: [followers] },
        unlisted: { to: [followers], cc: [PUBLIC] },
        followers: { to: [followers], cc: [] },
      }[visibility];
      expect(create, visibility).toMatchObject(expected);
      expect(create.object, visibility).toMatchObject({
        type: 'Note',
        attributedTo: uri('ada'),
        ...expected,
      });
    }
    ids['direct'] = await post(ada, { content: '@ben psst, just for you', visibility: 'direct' });
    const direct = await lastActivity('Create', uri('ada'));
    expect(direct).toMatchObject({ to: [uri('ben')], cc: [] });
    expect(direct.object['tag']).toEqual([{ type: 'Mention', href: uri('ben'), name: '@ben' }]);
    expect(String(direct.object['content'])).toContain(
      `href="${config.apps.federation.publicUrl}/@ben" class="u-url mention"`,
    );

    // Anyone: public and unlisted threads; not followers-only nor direct.
    expect((await page(`/social/notes/${ids['public']}`)).statusCode).toBe(200);
    expect((await page(`/social/notes/${ids['unlisted']}`)).statusCode).toBe(200);
    expect((await page(`/social/notes/${ids['followers']}`)).statusCode).toBe(404);
    expect((await page(`/social/notes/${ids['direct']}`, cy)).statusCode).toBe(404);
    // Ben is mentioned: he sees it and is notified; Cy follows Ada and then sees followers-only.
    expect((await page(`/social/notes/${ids['direct']}`, ben)).body).toContain('psst, just for you');
    const [mention] = await t.app.db.db
      .select()
      .from(apNotifications)
      .where(and(eq(apNotifications.userId, ben.userId), eq(apNotifications.type, 'mention')));
    expect(mention?.actorUri).toBe(uri('ada'));
    expect(
      (await postForm(t.app, '/@ada', '/social/follow', cy.cookies, { uri: uri('ada') })).statusCode,
    ).toBe(303);
    expect((await page(`/social/notes/${ids['followers']}`, cy)).statusCode).toBe(200);
    const home = (await page('/social/home', cy)).body;
    for (const v of ['public', 'unlisted', 'followers']) expect(home, v).toContain(`A ${v} post`);
    expect(home).not.toContain('psst');

    // The local timeline: public posts only.
    const local = (await page('/social/local')).body;
    expect(local).toContain('A public post');
    for (const v of ['unlisted', 'followers']) expect(local, v).not.toContain(`A ${v} post`);
    expect(local).not.toContain('psst');

    // ActivityStreams documents at their ids: public and unlisted only.
    const statusUri = async (id: number) =>
      (await t.app.services.federation.getStatus(ada.userId, id))?.uri as string;
    for (const v of ['public', 'unlisted']) {
      const res = await t.app.inject({
        url: new URL(await statusUri(ids[v] as number)).pathname,
        headers: { accept: AS },
      });
      expect(res.statusCode, v).toBe(200);
      expect(res.json()).toMatchObject({ type: 'Note', '@context': expect.any(Array) });
      expect(res.json().source).toBeUndefined();
    }
    const hidden = await t.app.inject({
      url: new URL(await statusUri(ids['followers'] as number)).pathname,
      headers: { accept: AS },
    });
    expect(hidden.statusCode).toBe(404);
  });

  it('delivers a mentioned-only note to the mentioned remote inbox alone, resolved by WebFinger', async () => {
    const zed = remote.addActor('zed');
    remote.received.length = 0;
    await post(ben, { content: `@zed@${remote.host} a secret`, visibility: 'direct' });
    await drain();
    expect(remote.fetched).toContain('/.well-known/webfinger');
    const [delivered] = remote.postsTo('/users/zed/inbox');
    expect(delivered?.verified, delivered?.verifyError ?? '').toBe(true);
    expect(delivered?.json).toMatchObject({
      type: 'Create',
      to: [zed.id],
      cc: [],
      object: { tag: [{ type: 'Mention', href: zed.id }] },
    });
    expect(remote.received).toHaveLength(1);
  });

  it('collapses a content warning, links hashtags, and edits (Update) and deletes (Delete, 410)', async () => {
    const id = await post(ada, { content: 'Spoilers inside #Books #books', contentWarning: 'Plot twist' });
    const timeline = (await page('/social/home', ada)).body;
    expect(timeline).toMatch(
      /<details class="status-cw">\s*<summary><span class="status-cw-text">Plot twist<\/span>/,
    );
    const create = await lastActivity('Create', uri('ada'));
    expect(create.object).toMatchObject({ summary: 'Plot twist', sensitive: true });
    expect(create.object['tag']).toEqual([
      { type: 'Hashtag', href: `${config.apps.federation.publicUrl}/social/tags/books`, name: '#books' },
    ]);
    expect((await page('/social/tags/books')).body).toContain('Spoilers inside');

    expect((await page(`/social/notes/${id}/edit`, ben)).statusCode).toBe(404);
    const form = await page(`/social/notes/${id}/edit`, ada);
    expect(form.body).toContain('Spoilers inside #Books #books');
    const edited = await postForm(
      t.app,
      `/social/notes/${id}/edit`,
      `/social/notes/${id}/edit`,
      ada.cookies,
      {
        content: 'No spoilers after all',
        contentWarning: '',
      },
    );
    expect(edited.statusCode).toBe(303);
    const update = await lastActivity('Update', uri('ada'));
    expect(update.object).toMatchObject({
      id: create.object['id'],
      summary: null,
      updated: expect.any(String),
    });
    expect(String(update.object['content'])).toContain('No spoilers after all');
    expect((await page(`/social/notes/${id}`)).body).toContain('edited');

    const deleted = await postForm(
      t.app,
      `/social/notes/${id}`,
      `/social/notes/${id}/delete`,
      ada.cookies,
      {},
    );
    expect(deleted.statusCode).toBe(303);
    const del = await lastActivity('Delete', uri('ada'));
    expect(del).toMatchObject({
      to: [PUBLIC],
      object: { id: create.object['id'], type: 'Tombstone', formerType: 'Note' },
    });
    const gone = await t.app.inject({
      url: new URL(String(create.object['id'])).pathname,
      headers: { accept: AS },
    });
    expect(gone.statusCode).toBe(410);
    expect(gone.json()).toMatchObject({ type: 'Tombstone', id: create.object['id'] });
    expect((await page(`/social/notes/${id}`)).statusCode).toBe(404);
  });

  it('pages timelines by id, with no post twice and none lost', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 23; i++) await post(cy, { content: `Numbered post ${i}.` });
    let url = '/social/local';
    for (let pageNo = 0; pageNo < 5 && url; pageNo++) {
      const body = (await page(url)).body;
      for (const m of body.matchAll(/Numbered post (\d+)\./g)) {
        expect(seen.has(m[1] as string), `post ${m[1]} twice`).toBe(false);
        seen.add(m[1] as string);
      }
      const next = body.match(/href="(\/social\/local\?max_id=\d+)"/)?.[1];
      url = next ?? '';
    }
    expect(seen.size).toBe(23);
  });
});

describe('likes, boosts and follows between members', () => {
  it('notifies the author of likes and boosts; boosts show in the booster’s followers’ home; undo works', async () => {
    const id = await post(ben, { content: 'Boost me please' });
    const act = (who: Member, action: string) =>
      postForm(t.app, `/social/notes/${id}`, `/social/notes/${id}/${action}`, who.cookies, {});
    expect((await act(ada, 'like')).statusCode).toBe(303);
    expect((await act(ada, 'like')).statusCode).toBe(303);
    expect((await act(ada, 'boost')).statusCode).toBe(303);
    const like = await lastActivity('Like', uri('ada'));
    expect(like).toMatchObject({
      type: 'Like',
      object: expect.stringContaining('/users/ben/statuses/'),
      to: [uri('ben')],
    });
    const notes = (await page('/social/notifications', ben)).body;
    expect(notes).toContain('liked your post');
    expect(notes).toContain('boosted your post');
    expect((await t.app.services.federation.countUnreadNotifications(ben.userId)) >= 2).toBe(true);
    // Cy follows Ada (earlier test), so Ada's boost of Ben's post is in Cy's home.
    const cyHome = (await page('/social/home', cy)).body;
    expect(cyHome).toContain('Boost me please');
    expect(cyHome).toContain('boosted');
    expect((await page(`/social/notes/${id}`, ada)).body).toContain('Liked (1)');

    expect((await act(ada, 'unboost')).statusCode).toBe(303);
    expect((await act(ada, 'unlike')).statusCode).toBe(303);
    const undo = await lastActivity('Undo', uri('ada'));
    expect(undo).toMatchObject({ object: { type: 'Like', actor: uri('ada'), id: like['id'] } });
    expect((await page('/social/home', cy)).body).not.toContain('Boost me please');
    // Followers-only posts cannot be boosted.
    const privateId = await post(ben, { content: 'Only followers', visibility: 'followers' });
    await postForm(t.app, '/@ben', '/social/follow', ada.cookies, { uri: uri('ben') });
    const refused = await postForm(
      t.app,
      `/social/notes/${privateId}`,
      `/social/notes/${privateId}/boost`,
      ada.cookies,
      {},
    );
    expect(refused.statusCode).toBe(400);
  });

  it('a member who approves followers by hand gets requests from members and remote accounts', async () => {
    const saved = await postForm(t.app, '/social/profile', '/social/profile', cy.cookies, {
      displayName: 'Cy',
      manuallyApprovesFollowers: 'on',
    });
    expect(saved.statusCode).toBe(303);
    await postForm(t.app, '/@cy', '/social/follow', ben.cookies, { uri: uri('cy') });
    const quinn = remote.addActor('quinn');
    const follow = {
      id: `${quinn.id}#follows/${randomUUID()}`,
      type: 'Follow',
      actor: quinn.id,
      object: uri('cy'),
    };
    expect((await remote.signedPost(quinn, `${uri('cy')}/inbox`, follow)).status).toBe(202);
    remote.received.length = 0;
    await drain();
    expect(remote.postsTo('/users/quinn/inbox')).toHaveLength(0);
    const requests = await page('/social/follow-requests', cy);
    expect(requests.body).toContain('@ben@');
    expect(requests.body).toContain('@quinn@');
    const notes = (await page('/social/notifications', cy)).body;
    expect(notes).toContain('asked to follow you');

    const ids = [...requests.body.matchAll(/\/social\/follow-requests\/(\d+)\/accept/g)].map((m) => m[1]);
    for (const id of ids) {
      const res = await postForm(
        t.app,
        '/social/follow-requests',
        `/social/follow-requests/${id}/accept`,
        cy.cookies,
        {},
      );
      expect(res.statusCode).toBe(303);
    }
    await drain();
    const [accept] = remote.postsTo('/users/quinn/inbox');
    expect(accept?.verified, accept?.verifyError ?? '').toBe(true);
    expect(accept?.json).toMatchObject({
      type: 'Accept',
      actor: uri('cy'),
      object: { id: follow.id, type: 'Follow' },
    });
    const rows = await t.app.db.db
      .select()
      .from(apFollows)
      .where(eq(apFollows.followingUri, uri('cy')));
    expect(rows.map((r) => [r.followerUri, r.state]).sort()).toEqual([
      [uri('ben'), 'accepted'],
      [quinn.id, 'accepted'],
    ]);
  });
});
