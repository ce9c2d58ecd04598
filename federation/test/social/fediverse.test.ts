/**
 * The social hub against an independent remote server (shared/src/testing/remote-fediverse.ts):
 * follow → signed Follow → Accept → their Create(Note) in the home timeline; a manual-approval
 * account stays pending until it answers; Reject; the member's reply and mentions delivered
 * signed with the member's key; likes → notifications and the account-nav badge; replies to a
 * blog article as the `comments` fragment (edited, deleted, hidden); blocking their domain →
 * inbox 403, follows removed, comments hidden; an incoming Flag → a report.
 */
import { randomUUID } from 'node:crypto';
import type { AppConfig } from '@rose-ash/shared/config/index.ts';
import { INTERNAL_HEADERS } from '@rose-ash/shared/contracts/widgets.ts';
import { apFollows, apReports } from '@rose-ash/shared/db/schema/index.ts';
import { encodeUserHeader } from '@rose-ash/shared/infrastructure/fragments.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { createTestCache } from '@rose-ash/shared/testing/cache.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { createTestDatabase, type TestDatabase } from '@rose-ash/shared/testing/database.ts';
import { freePort, listen } from '@rose-ash/shared/testing/http.ts';
import { type RemoteActor, RemoteFediverse } from '@rose-ash/shared/testing/remote-fediverse.ts';
import { signInAs } from '@rose-ash/shared/testing/sessions.ts';
import { eq, or } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_BUILDERS } from '../../../dev/src/app-builders.ts';
import { buildApp as buildFederation } from '../../src/app.ts';
import { EventProcessor } from '../../src/services/event-processor.ts';
import { memberWithHandle, PUBLIC, postForm } from './helpers.ts';

const ADMIN = 'mod@example.org';
let database: TestDatabase;
let cache: ReturnType<typeof createTestCache>;
let config: AppConfig;
let federation: TestApp;
let blog: TestApp;
let account: TestApp;
let remote: RemoteFediverse;
let processor: EventProcessor;
let maya: { cookies: Record<string, string>; userId: number };
let rob: RemoteActor;
const mayaUri = () => `${config.apps.federation.publicUrl}/users/maya`;
const article = () => `${config.apps.blog.publicUrl}/ap/articles/${ARTICLE_UUID}`;
const ARTICLE_UUID = randomUUID();

beforeAll(async () => {
  database = await createTestDatabase();
  cache = createTestCache();
  const [blogPort, fedPort, accountPort] = await Promise.all([freePort(), freePort(), freePort()]);
  config = testConfig({
    env: {
      BLOG_PUBLIC_URL: `http://127.0.0.1:${blogPort}`,
      BLOG_INTERNAL_URL: `http://127.0.0.1:${blogPort}`,
      FEDERATION_PUBLIC_URL: `http://127.0.0.1:${fedPort}`,
      FEDERATION_INTERNAL_URL: `http://127.0.0.1:${fedPort}`,
      ACCOUNT_PUBLIC_URL: `http://127.0.0.1:${accountPort}`,
      ACCOUNT_INTERNAL_URL: `http://127.0.0.1:${accountPort}`,
      ADMIN_EMAILS: ADMIN,
    },
  });
  [federation, blog, account] = await Promise.all([
    buildTestApp(buildFederation, { config, database, cache }),
    buildTestApp((await APP_BUILDERS.blog()).buildApp, { config, database, cache }),
    buildTestApp((await APP_BUILDERS.account()).buildApp, { config, database, cache }),
  ]);
  await Promise.all([
    listen(federation.app, fedPort),
    listen(blog.app, blogPort),
    listen(account.app, accountPort),
  ]);
  remote = await RemoteFediverse.start();
  rob = remote.addActor('rob', { sharedInbox: true, name: 'Rob <Remote>' });
  processor = new EventProcessor({
    db: database.handle,
    config,
    logger: federation.app.log,
    cache,
    retrySchedule: [30, 30],
  });
  maya = await memberWithHandle(federation.app, signInAs, 'maya@example.org', 'maya');
});

afterAll(async () => {
  await remote?.close();
  await Promise.all([federation?.close(), blog?.close(), account?.close()]);
  await cache?.dispose();
  await database?.drop();
});

/** Works the EventProcessor (and the stub's own answers) until nothing is left. */
async function drain() {
  for (let i = 0; i < 30; i++) {
    const { activities, deliveries } = await processor.runOnce();
    await remote.settle();
    const [pending] = await database.handle.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM ap_deliveries WHERE status = 'pending')
            + (SELECT count(*) FROM ap_activities WHERE status = 'pending')::int AS n`,
    );
    if (!activities && !deliveries && !Number(pending?.n)) return;
  }
}

const page = (url: string, cookies = maya.cookies) =>
  federation.app.inject({ url, cookies, headers: { accept: 'text/html' } });

async function followState(uri: string) {
  const [row] = await database.handle.db.select().from(apFollows).where(eq(apFollows.followingUri, uri));
  return row?.state ?? 'none';
}

async function lookup(handle: string): Promise<string> {
  const res = await page(`/social/search?q=${encodeURIComponent(handle)}`);
  expect(res.statusCode, res.body.slice(0, 400)).toBe(303);
  return res.headers.location as string;
}

function comments(object = article()) {
  return federation.app.inject({
    url: `/internal/fragments/comments?object=${encodeURIComponent(object)}`,
    headers: { [INTERNAL_HEADERS.token]: config.secrets.internalToken },
  });
}

describe('following a remote account', () => {
  it('sends a signed Follow, takes the Accept, and shows their new post in the home timeline', async () => {
    remote.note(rob, '<p>An older post from Rob</p>');
    const accountPath = await lookup(`@rob@${remote.host}`);
    expect(accountPath).toMatch(/^\/social\/accounts\/\d+$/);
    const profile = await page(accountPath);
    expect(profile.body).toContain('Rob &lt;Remote&gt;');
    expect(profile.body).toContain('An older post from Rob');
    expect(profile.body).toContain('>Follow</button>');

    const follow = await postForm(federation.app, accountPath, '/social/follow', maya.cookies, {
      uri: rob.id,
      back: accountPath,
    });
    expect(follow.statusCode).toBe(303);
    expect(await followState(rob.id)).toBe('pending');
    await drain();
    const [sent] = remote.postsTo('/inbox').filter((p) => p.json?.['type'] === 'Follow');
    expect(sent?.verified, sent?.verifyError ?? '').toBe(true);
    expect(sent?.keyId).toBe(`${mayaUri()}#main-key`);
    expect(sent?.json).toMatchObject({ type: 'Follow', actor: mayaUri(), object: rob.id });
    expect(await followState(rob.id)).toBe('accepted');
    expect((await page(accountPath)).body).toContain('Following');

    const { note, create } = remote.note(rob, '<p>Fresh from Rob, <strong>hello</strong></p>');
    expect((await remote.signedPost(rob, `${mayaUri()}/inbox`, create)).status).toBe(202);
    await drain();
    const home = await page('/social/home');
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('Fresh from Rob, <strong>hello</strong>');
    expect(home.body.indexOf('Fresh from Rob')).toBeLessThan(home.body.indexOf('An older post from Rob'));

    // The member replies; Rob's server receives it signed with the member's key.
    const thread = home.body.match(/href="\/social\/notes\/(\d+)#reply"/)?.[1];
    expect(thread).toBeTruthy();
    remote.received.length = 0;
    const reply = await postForm(federation.app, `/social/notes/${thread}`, '/social/notes', maya.cookies, {
      content: `@rob@${remote.host} lovely!`,
      visibility: 'public',
      inReplyToId: String(thread),
    });
    expect(reply.statusCode).toBe(303);
    await drain();
    const delivered = remote.received.find((p) => p.json?.['type'] === 'Create');
    expect(delivered?.verified, delivered?.verifyError ?? '').toBe(true);
    expect(delivered?.keyId).toBe(`${mayaUri()}#main-key`);
    expect(delivered?.json).toMatchObject({
      actor: mayaUri(),
      to: [PUBLIC],
      object: {
        type: 'Note',
        inReplyTo: note['id'],
        attributedTo: mayaUri(),
        tag: [{ type: 'Mention', href: rob.id }],
      },
    });
    expect((delivered?.json?.['object'] as { cc?: string[] } | undefined)?.cc).toContain(rob.id);
    // The thread shows the reply under Rob's post.
    const threadPage = await page(`/social/notes/${thread}`);
    expect(threadPage.body).toContain('lovely!');
  });

  it('keeps a follow of a manual-approval account pending until it accepts; a refusal shows', async () => {
    const lia = remote.addActor('lia', { onFollow: 'manual' });
    const rex = remote.addActor('rex', { onFollow: 'reject' });
    const liaPath = await lookup(`${lia.id}`);
    expect((await page(liaPath)).body).toContain('approves followers by hand');
    await postForm(federation.app, liaPath, '/social/follow', maya.cookies, { uri: lia.id });
    const rexPath = await lookup(`@rex@${remote.host}`);
    await postForm(federation.app, rexPath, '/social/follow', maya.cookies, { uri: rex.id });
    await drain();
    expect(await followState(lia.id)).toBe('pending');
    expect((await page(liaPath)).body).toContain('Requested (pending)');
    expect(await followState(rex.id)).toBe('rejected');
    expect((await page(rexPath)).body).toContain('declined');

    const [follow] = remote.followsFor(lia);
    expect((await remote.answerFollow(String(follow?.['id']), 'Accept')).status).toBe(202);
    await drain();
    expect(await followState(lia.id)).toBe('accepted');

    // Unfollow sends Undo embedding the Follow.
    remote.received.length = 0;
    await postForm(federation.app, liaPath, '/social/unfollow', maya.cookies, { uri: lia.id });
    await drain();
    const undo = remote.received.find((p) => p.json?.['type'] === 'Undo');
    expect(undo?.json).toMatchObject({ object: { type: 'Follow', id: follow?.['id'], object: lia.id } });
    expect(await followState(lia.id)).toBe('none');
  });
});

describe('follow from your server', () => {
  it('every actor page has the form; it sends the visitor to their server’s subscribe template', async () => {
    for (const [app, path] of [
      [blog, '/ap/actor'],
      [federation, '/users/maya'],
    ] as const) {
      const res = await app.app.inject({ url: path, headers: { accept: 'text/html' } });
      expect(res.body).toContain(`action="${config.apps.federation.publicUrl}/remote-follow"`);
      expect(res.body).toContain('Follow from your server');
    }
    expect((await page('/@maya', {})).body).toContain('Follow from your server');
    const target = `${config.apps.blog.publicUrl}/ap/actor`;
    const go = await federation.app.inject({
      url: `/remote-follow?uri=${encodeURIComponent(target)}&acct=${encodeURIComponent(`@rob@${remote.host}`)}`,
      headers: { accept: 'text/html' },
    });
    expect(go.statusCode).toBe(303);
    expect(go.headers.location).toBe(
      `${remote.origin}/authorize_interaction?uri=${encodeURIComponent(target)}`,
    );
    // Not one of our actors, or a javascript: URI: refused.
    const elsewhere = await federation.app.inject({
      url: `/remote-follow?uri=${encodeURIComponent('https://elsewhere.example/users/x')}&acct=${encodeURIComponent(`@rob@${remote.host}`)}`,
      headers: { accept: 'text/html' },
    });
    expect(elsewhere.statusCode).toBe(404);
    const js = await federation.app.inject({
      url: `/remote-follow?uri=${encodeURIComponent('javascript:alert(1)')}&acct=x`,
      headers: { accept: 'text/html' },
    });
    expect(js.statusCode).toBe(400);
    // Our own WebFinger offers the same to other servers: it lands on the hub's search.
    const jrd = (
      await federation.app.inject({
        url: `/.well-known/webfinger?resource=acct:maya@${new URL(config.apps.federation.publicUrl).host}`,
      })
    ).json();
    const template = jrd.links.find(
      (l: { rel: string }) => l.rel === 'http://ostatus.org/schema/1.0/subscribe',
    )?.template;
    expect(template).toBe(`${config.apps.federation.publicUrl}/authorize_interaction?uri={uri}`);
    const interaction = await page(`/authorize_interaction?uri=${encodeURIComponent(rob.id)}`);
    expect(interaction.headers.location).toBe(`/social/search?q=${encodeURIComponent(rob.id)}`);
  });
});

describe('notifications', () => {
  it('a remote like becomes a notification and the account-nav unread count; mark all read clears it', async () => {
    const posted = await postForm(federation.app, '/social/home', '/social/notes', maya.cookies, {
      content: 'Seedlings are up #garden',
      visibility: 'public',
    });
    expect(posted.statusCode).toBe(303);
    const noteId = Number(posted.headers.location?.match(/\/social\/notes\/(\d+)/)?.[1]);
    const uri = (await federation.app.services.federation.getStatus(maya.userId, noteId))?.uri;
    expect(uri).toMatch(new RegExp(`^${mayaUri()}/statuses/`));
    await drain();
    const nav = () =>
      account.app.inject({
        url: '/internal/fragments/account-nav',
        headers: {
          [INTERNAL_HEADERS.token]: config.secrets.internalToken,
          [INTERNAL_HEADERS.user]: encodeUserHeader({
            id: maya.userId,
            email: 'maya@example.org',
            name: 'maya',
            username: 'maya',
            isAdmin: false,
          }),
        },
      });
    const before = (await nav()).body;
    // The header's copy is cached (by user); the processor must drop it when a notification lands.
    await account.app.fragments.fetch({
      name: 'account-nav',
      user: { id: maya.userId, email: 'maya@example.org', name: 'maya', username: 'maya', isAdmin: false },
    });
    const like = { id: `${rob.id}#likes/${randomUUID()}`, type: 'Like', actor: rob.id, object: uri };
    expect((await remote.signedPost(rob, `${config.apps.federation.publicUrl}/ap/inbox`, like)).status).toBe(
      202,
    );
    await drain();
    const notifications = await page('/social/notifications');
    expect(notifications.body).toContain('liked your post');
    expect(notifications.body).toContain('Seedlings are up');
    const after = await account.app.fragments.fetch({
      name: 'account-nav',
      user: { id: maya.userId, email: 'maya@example.org', name: 'maya', username: 'maya', isAdmin: false },
    });
    expect(after).toMatch(/class="notification-count"[^>]*>\d+</);
    expect(before).not.toBe(after);
    const read = await postForm(
      federation.app,
      '/social/notifications',
      '/social/notifications/read',
      maya.cookies,
      {},
    );
    expect(read.statusCode).toBe(303);
    expect(await federation.app.services.federation.countUnreadNotifications(maya.userId)).toBe(0);
    const cleared = await account.app.fragments.fetch({
      name: 'account-nav',
      user: { id: maya.userId, email: 'maya@example.org', name: 'maya', username: 'maya', isAdmin: false },
    });
    expect(cleared).not.toContain('notification-count');
  });
});

describe('fediverse replies under a blog article', () => {
  it('shows them oldest first, follows edits and deletes, lets an admin hide one', async () => {
    const reply = (text: string) =>
      remote.note(rob, text, {
        inReplyTo: article(),
        to: [PUBLIC],
        cc: [`${config.apps.blog.publicUrl}/ap/actor`],
      });
    const first = reply('<p>First! <script>alert(1)</script><a href="javascript:alert(2)">x</a></p>');
    const second = reply('<p>Second thoughts</p>');
    const blogInbox = `${config.apps.blog.publicUrl}/ap/inbox`;
    // The blog fetches the fragment through its client (cached): arrivals must drop that copy.
    const viaBlog = () => blog.app.fragments.fetch({ name: 'comments', params: { object: article() } });
    expect(await viaBlog()).toContain('No replies yet');
    expect((await remote.signedPost(rob, blogInbox, first.create)).status).toBe(202);
    expect((await remote.signedPost(rob, blogInbox, second.create)).status).toBe(202);
    await drain();
    const html = await viaBlog();
    expect(html).toContain('First!');
    expect(html).toContain('Rob &lt;Remote&gt;');
    expect(html).toContain(`href="${first.note['id']}"`);
    expect(html.indexOf('First!')).toBeLessThan(html.indexOf('Second thoughts'));
    expect(html).not.toMatch(/<script|javascript:/);

    const update = {
      id: `${second.note['id']}#updates/1`,
      type: 'Update',
      actor: rob.id,
      object: {
        ...second.note,
        content: '<p>Second thoughts, edited</p>',
        updated: new Date().toISOString(),
      },
    };
    expect((await remote.signedPost(rob, blogInbox, update)).status).toBe(202);
    await drain();
    expect(await viaBlog()).toContain('Second thoughts, edited');
    const remove = {
      id: `${first.note['id']}#delete`,
      type: 'Delete',
      actor: rob.id,
      object: first.note['id'],
    };
    expect((await remote.signedPost(rob, blogInbox, remove)).status).toBe(202);
    await drain();
    expect(await viaBlog()).not.toContain('First!');

    const { cookies: admin } = await signInAs(federation.app, ADMIN, 'Mod');
    const list = await page('/admin/moderation/comments', admin);
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Second thoughts, edited');
    const id = list.body.match(/\/admin\/moderation\/notes\/(\d+)\/hide/)?.[1];
    const hide = await postForm(
      federation.app,
      '/admin/moderation/comments',
      `/admin/moderation/notes/${id}/hide`,
      admin,
      {},
    );
    expect(hide.statusCode).toBe(303);
    expect(await viaBlog()).not.toContain('Second thoughts');
    expect((await comments()).statusCode).toBe(200);
  });
});

describe('moderation', () => {
  it('blocking their domain: inbox 403, follows removed, their comments and posts hidden', async () => {
    const shown = remote.note(rob, '<p>Before the block</p>', { inReplyTo: article() });
    await remote.signedPost(rob, `${config.apps.blog.publicUrl}/ap/inbox`, shown.create);
    await drain();
    expect((await comments()).body).toContain('Before the block');
    // Rob follows maya too.
    const followMaya = {
      id: `${rob.id}#follows/${randomUUID()}`,
      type: 'Follow',
      actor: rob.id,
      object: mayaUri(),
    };
    await remote.signedPost(rob, `${mayaUri()}/inbox`, followMaya);
    await drain();
    const robFollows = () =>
      database.handle.db
        .select()
        .from(apFollows)
        .where(or(eq(apFollows.followerUri, rob.id), eq(apFollows.followingUri, rob.id)));
    expect((await robFollows()).length).toBe(2);

    const { cookies: admin } = await signInAs(federation.app, ADMIN, 'Mod');
    expect((await page('/admin/moderation', maya.cookies)).statusCode).toBe(403);
    const blocked = await postForm(federation.app, '/admin/moderation', '/admin/moderation/blocks', admin, {
      kind: 'domain',
      value: remote.host,
      reason: 'Spam wave',
    });
    expect(blocked.statusCode).toBe(303);
    const list = await page('/admin/moderation', admin);
    expect(list.body).toContain(remote.host);
    expect(list.body).toContain('Spam wave');
    expect(await robFollows()).toHaveLength(0);
    expect((await comments()).body).not.toContain('Before the block');
    expect((await page('/social/home')).body).not.toContain('Fresh from Rob');
    const after = remote.note(rob, '<p>After the block</p>');
    expect((await remote.signedPost(rob, `${mayaUri()}/inbox`, after.create)).status).toBe(403);
    // Our own domains cannot be blocked.
    const own = await postForm(federation.app, '/admin/moderation', '/admin/moderation/blocks', admin, {
      kind: 'domain',
      value: new URL(config.apps.blog.publicUrl).host,
    });
    expect(own.statusCode).toBe(400);
    // Lifting the block shows the comment again.
    const blockId = list.body.match(/\/admin\/moderation\/blocks\/(\d+)\/delete/)?.[1];
    await postForm(
      federation.app,
      '/admin/moderation',
      `/admin/moderation/blocks/${blockId}/delete`,
      admin,
      {},
    );
    expect((await comments()).body).toContain('Before the block');
  });

  it('an incoming Flag and a member report become reports admins resolve', async () => {
    const flagger = remote.addActor('modbot');
    const flagged = await federation.app.services.federation.homeTimeline(maya.userId, {});
    const mine = flagged.items.find((s) => s.byViewer);
    const flag = {
      id: `${remote.origin}/flags/${randomUUID()}`,
      type: 'Flag',
      actor: flagger.id,
      content: 'Spam <b>here</b>',
      object: [mayaUri(), mine?.uri],
    };
    expect(
      (await remote.signedPost(flagger, `${config.apps.federation.publicUrl}/ap/inbox`, flag)).status,
    ).toBe(202);
    await drain();
    const robPost = (await federation.app.services.federation.accountTimeline(maya.userId, rob.id, {}))
      .items[0];
    // The report page shows the post and posts its form back to the same place.
    const reportPage = await page(`/social/notes/${robPost?.id}/report`);
    expect(reportPage.body).toContain(`action="/social/notes/${robPost?.id}/report"`);
    expect(reportPage.body).toContain(`href="/social/notes/${robPost?.id}"`);
    const report = await postForm(
      federation.app,
      `/social/notes/${robPost?.id}/report`,
      `/social/notes/${robPost?.id}/report`,
      maya.cookies,
      { comment: 'Not nice' },
    );
    expect(report.statusCode).toBe(303);
    const rows = await database.handle.db.select().from(apReports);
    expect(rows.map((r) => r.targetActorUri).sort()).toEqual([mayaUri(), rob.id].sort());

    const { cookies: admin } = await signInAs(federation.app, ADMIN, 'Mod');
    const reports = await page('/admin/moderation/reports?status=open', admin);
    expect(reports.body).toContain('Spam &lt;b&gt;here&lt;/b&gt;');
    expect(reports.body).toContain('Not nice');
    expect(reports.body).toContain('Seedlings are up');
    const id = reports.body.match(/\/admin\/moderation\/reports\/(\d+)\/resolve/)?.[1];
    const resolved = await postForm(
      federation.app,
      '/admin/moderation/reports',
      `/admin/moderation/reports/${id}/resolve`,
      admin,
      { note: 'Looked, fine' },
    );
    expect(resolved.statusCode).toBe(303);
    expect((await page('/admin/moderation/reports?status=resolved', admin)).body).toContain('Looked, fine');
  });
});
