/**
 * Your data: the export holds every row about the member and nobody else's; closing the
 * account (confirmed by a mailed link) keeps orders without personal data, gives upcoming
 * seats back, keeps tickets valid without the holder's details, deletes the member's rows,
 * empties the user row, ends every session, and the job erases the Ghost member.
 */
import { join } from 'node:path';
import {
  apActivities,
  apObjects,
  calendarEntries,
  calendarFeedTokens,
  ghostMemberLinks,
  newsletterSubscriptions,
  newsletters,
  orders,
  tickets,
  users,
} from '@rose-ash/shared/db/schema/index.ts';
import { SessionStore } from '@rose-ash/shared/infrastructure/sessions.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { type GhostStub, startGhostStub } from '@rose-ash/shared/testing/ghost-stub.ts';
import { signInAs } from '@rose-ash/shared/testing/sessions.ts';
import { linkFrom, type SmtpReceiver, startSmtpReceiver } from '@rose-ash/shared/testing/smtp.ts';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedEntry, seedFreeEntry, seedPost, seedTicketOrder } from '../../shared/test/fragments/seed.ts';
import { buildApp } from '../src/app.ts';
import { type Cookies, formCookies, submit } from './helpers.ts';

let smtp: SmtpReceiver;
let stub: GhostStub;
let t: TestApp;
let newsletterId = 0;
const GHOST_PEER = '6b08a57f249c9e3c394a3904';

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  stub = await startGhostStub({ fixturesDir: join(import.meta.dirname, '../../blog/test/fixtures/ghost') });
  t = await buildTestApp(buildApp, {
    config: testConfig({
      env: { SMTP_URL: smtp.url, GHOST_URL: stub.url, GHOST_ADMIN_API_KEY: stub.adminApiKey },
    }),
  });
  const [row] = await t.database.handle.db
    .insert(newsletters)
    .values({ ghostId: GHOST_PEER, name: 'Sync Peer', slug: 'sync-peer' })
    .returning({ id: newsletters.id });
  newsletterId = row!.id;
});
afterAll(async () => {
  await t?.close();
  await stub?.close();
  await smtp?.close();
});

const db = () => t.database.handle.db;

/** A member with something of everything: a post, an order with tickets, bookings, a newsletter, a feed. */
async function busyMember(email: string, name: string, username: string) {
  const { cookies, userId } = await signInAs(t.app, email, name);
  await db()
    .update(users)
    .set({ username, bio: `${name} grows beans` })
    .where(eq(users.id, userId));
  const blogPost = await seedPost(t.database.handle);
  const { ticketType } = await seedEntry(
    t.database.handle,
    { type: 'post', id: blogPost.id },
    { title: `${name}'s workshop` },
  );
  const soon = await seedFreeEntry(
    t.database.handle,
    { type: 'post', id: blogPost.id },
    { title: `${name}'s swap`, capacity: 10 },
  );
  await t.app.services.calendar.bookSeats({ entryId: soon.entry.id, userId, seats: 3 });
  const order = await seedTicketOrder(t.app.services, t.database.handle, {
    userId,
    email,
    name,
    ticketTypeId: ticketType.id,
    quantity: 2,
  });
  await submit(t, `/newsletters/${newsletterId}`, '/newsletters', cookies, { subscribed: 'true' });
  await submit(t, '/calendar/token', '/calendar', cookies);
  const note = await t.app.services.federation.publishNote(
    userId,
    { content: `Notes from ${name}: #beans`, contentWarning: null, visibility: 'public', inReplyToId: null },
    { timeoutMs: 1_000 },
  );
  if (!note.ok) throw new Error(`note not published: ${note.reason}`);
  return { cookies, userId, order: order.order, tickets: order.tickets, entry: soon.entry };
}

/** What the tests read of an export. */
interface Exported {
  profile: Record<string, unknown>;
  newsletters: { choices: unknown[]; ghostMember: { id: string } | null };
  calendarFeed: { active: boolean };
  bookings: unknown[];
  tickets: { code: string }[];
  orders: { items: unknown[] }[];
  social: { actorUri: string | null; posts: unknown[] };
  signedIn: unknown[];
}

async function exportOf(cookies: Cookies) {
  const res = await t.app.inject({ url: '/data/export', cookies });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-disposition']).toMatch(
    /^attachment; filename="rose-ash-account-\d+-\d{4}-\d\d-\d\d\.json"$/,
  );
  return { text: res.body, json: JSON.parse(res.body) as Exported };
}

describe('your data', () => {
  it('exports every row about the member and nobody else’s', async () => {
    const ann = await busyMember('ann@example.test', 'Ann Able', 'ann');
    const bob = await busyMember('bob@example.test', 'Bob Baker', 'bob');
    const { text, json } = await exportOf(ann.cookies);

    expect(json.profile).toMatchObject({
      id: ann.userId,
      email: 'ann@example.test',
      displayName: 'Ann Able',
      username: 'ann',
    });
    expect(json.newsletters.choices).toEqual([
      expect.objectContaining({ newsletter: 'Sync Peer', subscribed: true }),
    ]);
    expect(json.newsletters.ghostMember?.id).toBe(
      stub.members.find((m) => m.email === 'ann@example.test')?.id,
    );
    expect(json.calendarFeed.active).toBe(true);
    expect(json.bookings).toEqual([expect.objectContaining({ seats: 3, status: 'confirmed' })]);
    expect(json.tickets.map((x: { code: string }) => x.code).sort()).toEqual(
      ann.tickets.map((x) => x.code).sort(),
    );
    expect(json.orders).toEqual([
      expect.objectContaining({
        number: ann.order.number,
        email: 'ann@example.test',
        notes: 'Please seat us together',
      }),
    ]);
    expect(json.orders[0]?.items).toHaveLength(1);
    expect(json.social.actorUri).toBe(`${t.config.apps.federation.publicUrl}/users/ann`);
    expect(json.social.posts).toEqual([
      expect.objectContaining({ content: expect.stringContaining('Notes from Ann Able') }),
    ]);
    expect(json.signedIn.length).toBeGreaterThanOrEqual(1);

    // Nothing of Bob's: his e-mail, name, order, tickets, post.
    for (const theirs of [
      'bob@example.test',
      'Bob Baker',
      bob.order.number,
      ...bob.tickets.map((x) => x.code),
      '/users/bob',
    ]) {
      expect(text, theirs).not.toContain(theirs);
    }
  });

  it('closes the account with a mailed link: orders kept without personal data, seats back, rows gone', async () => {
    const cy = await busyMember('cy@example.test', 'Cy Close', 'cy');
    const dee = await busyMember('dee@example.test', 'Dee Stays', 'dee');
    const ghostId = stub.members.find((m) => m.email === 'cy@example.test')?.id as string;
    expect(ghostId).toBeTruthy();
    // Cy is signed in to another app too (the events app, say).
    const eventsSession = await new SessionStore(t.cache, 'events').create({
      user: { id: cy.userId, email: 'cy@example.test', name: 'Cy Close', username: 'cy' },
      sub: String(cy.userId),
      sid: null,
      idToken: null,
    });

    const page = await t.app.inject({ url: '/data', cookies: cy.cookies, headers: { accept: 'text/html' } });
    expect(page.body).toContain('E-mail me a link to close my account');
    const asked = await submit(t, '/data/close', '/data', cy.cookies);
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('cy@example.test');
    // Nothing happened yet.
    expect((await db().select().from(users).where(eq(users.id, cy.userId)))[0]?.closedAt).toBeNull();

    const mail = await smtp.waitForMail('cy@example.test');
    const path = new URL(linkFrom(mail, `${t.config.apps.account.publicUrl}/confirm/`)).pathname;
    const confirm = await formCookies(t, path, cy.cookies);
    expect(confirm.body).toContain('Close my account');
    const closed = await t.app.inject({
      method: 'POST',
      url: path,
      cookies: confirm.cookies,
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: confirm.csrf }).toString(),
    });
    expect(closed.statusCode).toBe(200);
    expect(closed.body).toContain('Your account is closed');
    expect((await smtp.waitForMail('cy@example.test')).subject).toContain('closed');

    // The user row is an empty tombstone.
    const [user] = await db().select().from(users).where(eq(users.id, cy.userId));
    expect(user).toMatchObject({ displayName: null, bio: null, avatarPath: null, username: 'cy' });
    expect(user?.email).not.toContain('cy@example.test');
    expect(user?.closedAt).not.toBeNull();

    // Orders kept, no longer linked, without name, e-mail, address or notes.
    const [order] = await db().select().from(orders).where(eq(orders.number, cy.order.number));
    expect(order).toMatchObject({
      userId: null,
      notes: null,
      address: null,
      status: 'paid',
      totalPence: cy.order.totalPence,
    });
    expect(order?.email).not.toContain('cy@');
    expect(order?.name).not.toContain('Cy');
    // Tickets stay valid, without the holder's details.
    const held = await db().select().from(tickets).where(eq(tickets.orderId, cy.order.id));
    expect(held.map((x) => [x.status, x.userId, x.holderName])).toEqual([
      ['valid', null, null],
      ['valid', null, null],
    ]);
    expect(held.every((x) => !x.holderEmail.includes('cy@'))).toBe(true);
    // Upcoming seats given back; the member's rows gone.
    const [entry] = await db().select().from(calendarEntries).where(eq(calendarEntries.id, cy.entry.id));
    expect(entry?.bookedSeats).toBe(0);
    expect(await db().$count(newsletterSubscriptions, eq(newsletterSubscriptions.userId, cy.userId))).toBe(0);
    expect(await db().$count(ghostMemberLinks, eq(ghostMemberLinks.userId, cy.userId))).toBe(0);
    expect(await db().$count(calendarFeedTokens, eq(calendarFeedTokens.userId, cy.userId))).toBe(0);
    // The post is a tombstone, and Deletes are on their way (post, then actor).
    const cyUri = `${t.config.apps.federation.publicUrl}/users/cy`;
    const [post] = await db().select().from(apObjects).where(eq(apObjects.attributedTo, cyUri));
    expect(post?.deletedAt).not.toBeNull();
    expect(post?.content).toBeNull();
    const sent = await db()
      .select({ type: apActivities.type, objectUri: apActivities.objectUri })
      .from(apActivities)
      .where(and(eq(apActivities.actorUri, cyUri), eq(apActivities.direction, 'out')));
    expect(sent).toEqual([
      { type: 'Delete', objectUri: post?.uri },
      { type: 'Delete', objectUri: cyUri },
    ]);

    // Every session ended: this app's and the other app's.
    expect(
      (await t.app.inject({ url: '/profile', cookies: cy.cookies, headers: { accept: 'text/html' } }))
        .statusCode,
    ).toBe(302);
    expect(await new SessionStore(t.cache, 'events').get(eventsSession.id)).toBeNull();

    // The job finishes: the Ghost member is erased (the Deletes still wait for the processor).
    await expect(
      t.app.jobs.runNow('account.finish-closure', { userId: cy.userId, ghostMemberId: ghostId }),
    ).rejects.toThrow(/still going out/);
    expect(stub.members.some((m) => m.id === ghostId)).toBe(false);
    await db().update(apActivities).set({ status: 'done' }).where(eq(apActivities.actorUri, cyUri));
    await expect(
      t.app.jobs.runNow('account.finish-closure', { userId: cy.userId, ghostMemberId: ghostId }),
    ).resolves.toEqual({ done: true });

    // Dee is untouched.
    const [deeOrder] = await db().select().from(orders).where(eq(orders.id, dee.order.id));
    expect(deeOrder?.email).toBe('dee@example.test');
    expect(
      (await t.app.inject({ url: '/profile', cookies: dee.cookies, headers: { accept: 'text/html' } }))
        .statusCode,
    ).toBe(200);

    // The link worked once; the old address signs up afresh, as a new member.
    const again = await t.app.inject({ url: path, headers: { accept: 'text/html' } });
    expect(again.statusCode).toBe(400);
    const fresh = await signInAs(t.app, 'cy@example.test', 'Cy Again');
    expect(fresh.userId).not.toBe(cy.userId);
  });
});
