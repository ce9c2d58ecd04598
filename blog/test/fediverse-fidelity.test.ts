/**
 * The blog as Mastodon sees it (issue 12, items 18–21): a PNG avatar and header, a post URL
 * that resolves to its Article, Creates of deleted posts gone from the outbox and answering
 * 410, and NodeInfo counting the published articles.
 */
import type { PostInputDto } from '@rose-ash/shared/contracts/dtos.ts';
import { apActivities } from '@rose-ash/shared/db/schema/index.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';

const AS = 'application/activity+json';
let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp(buildApp, { config: testConfig() });
});
afterAll(() => t?.close());

const input = (title: string, slug: string): PostInputDto => ({
  title,
  slug,
  html: `<p>${title}: the body.</p>`,
  excerpt: `${title} in a line`,
  tags: '',
  featureImage: '',
  featureImageAlt: '',
  publishAt: '',
  ghostUpdatedAt: '',
});

async function publish(title: string, slug: string) {
  const saved = await t.app.services.blog.savePost({
    id: null,
    input: input(title, slug),
    action: 'publish',
    writer: null,
  });
  if (!saved.ok) throw new Error(saved.message);
  return saved.post;
}

async function lastCreateOf(objectId: string) {
  const [row] = await t.database.handle.db
    .select()
    .from(apActivities)
    .where(and(eq(apActivities.type, 'Create'), eq(apActivities.objectUri, objectId)))
    .orderBy(desc(apActivities.id))
    .limit(1);
  return row!;
}

const outboxItems = async () =>
  (await t.app.inject({ url: '/ap/actor/outbox?page=1', headers: { accept: AS } })).json().orderedItems as {
    id: string;
    type: string;
    object: { id: string };
  }[];

describe('the blog on the fediverse', () => {
  it('18. the blog actor has a PNG avatar and header, served as PNG', async () => {
    const actor = (await t.app.inject({ url: '/ap/actor', headers: { accept: AS } })).json();
    expect(actor.icon).toEqual({
      type: 'Image',
      mediaType: 'image/png',
      url: `${t.config.apps.blog.publicUrl}/static/img/actors/blog.png`,
    });
    expect(actor.image).toMatchObject({
      mediaType: 'image/png',
      url: expect.stringMatching(/blog-header\.png$/),
    });
    for (const url of [actor.icon.url, actor.image.url]) {
      const res = await t.app.inject({ url: new URL(url).pathname });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('image/png');
      expect(res.rawPayload.subarray(1, 4).toString()).toBe('PNG');
    }
  });

  it("19. a post's URL answers ActivityStreams with its Article and links it from the HTML", async () => {
    const post = await publish('Found by search', 'found-by-search');
    // An anonymous HTML view first, so a cached copy exists that must not answer the lookup.
    const page = await t.app.inject({ url: '/found-by-search/', headers: { accept: 'text/html' } });
    const articleUrl = `${t.config.apps.blog.publicUrl}/ap/articles/${post.uuid}`;
    expect(page.body).toContain(
      `<link rel="alternate" type="application/activity+json" href="${articleUrl}">`,
    );
    for (const accept of [AS, 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"']) {
      const res = await t.app.inject({ url: '/found-by-search/', headers: { accept } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain(AS);
      expect(res.headers.vary).toMatch(/accept/i);
      expect(res.json()).toMatchObject({
        id: articleUrl,
        type: 'Article',
        name: 'Found by search',
        url: `${t.config.apps.blog.publicUrl}/found-by-search/`,
      });
    }
    // A browser still gets the page.
    expect(
      (await t.app.inject({ url: '/found-by-search/', headers: { accept: 'text/html' } })).body,
    ).toContain('<h1>Found by search</h1>');
  });

  it("20. a deleted post's Create leaves the outbox and answers 410 with a Tombstone", async () => {
    const post = await publish('Short lived', 'short-lived');
    const articleUrl = `${t.config.apps.blog.publicUrl}/ap/articles/${post.uuid}`;
    const create = await lastCreateOf(articleUrl);
    const path = new URL(create.activityId).pathname;
    expect((await outboxItems()).map((i) => i.id)).toContain(create.activityId);
    const live = await t.app.inject({ url: path, headers: { accept: AS } });
    expect(live.statusCode).toBe(200);
    expect(live.json().object.content).toContain('Short lived: the body.');

    const unpublished = await t.app.services.blog.savePost({
      id: post.id,
      input: input('Short lived', 'short-lived'),
      action: 'unpublish',
      writer: null,
    });
    expect(unpublished.ok).toBe(true);
    expect((await outboxItems()).map((i) => i.id)).not.toContain(create.activityId);
    const gone = await t.app.inject({ url: path, headers: { accept: AS } });
    expect(gone.statusCode).toBe(410);
    expect(gone.json()).toMatchObject({ id: create.activityId, type: 'Tombstone', formerType: 'Create' });
    expect(gone.body).not.toContain('the body');

    // Published again: the new Create is live (the old one stays gone).
    await t.app.services.blog.savePost({
      id: post.id,
      input: input('Short lived', 'short-lived'),
      action: 'publish',
      writer: null,
    });
    const again = await lastCreateOf(articleUrl);
    expect(again.activityId).not.toBe(create.activityId);
    expect((await outboxItems()).map((i) => i.id)).toContain(again.activityId);
    expect(
      (await t.app.inject({ url: new URL(again.activityId).pathname, headers: { accept: AS } })).statusCode,
    ).toBe(200);

    await t.app.services.blog.deletePost(post.id);
    expect((await outboxItems()).map((i) => i.object.id)).not.toContain(articleUrl);
    expect(
      (await t.app.inject({ url: new URL(again.activityId).pathname, headers: { accept: AS } })).statusCode,
    ).toBe(410);
  });

  it('21. NodeInfo counts the published articles', async () => {
    const nodeinfo = async () =>
      (await t.app.inject({ url: '/nodeinfo/2.1' })).json().usage.localPosts as number;
    const before = await nodeinfo();
    const posts = [];
    for (const n of [1, 2, 3]) posts.push(await publish(`Counted ${n}`, `counted-${n}`));
    expect(await nodeinfo()).toBe(before + 3);
    await t.app.services.blog.deletePost(posts[0]!.id);
    expect(await nodeinfo()).toBe(before + 2);
  });
});
