import { randomUUID } from 'node:crypto';
import type { EntryInputDto } from '@rose-ash/shared/contracts/dtos.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { createTestDatabase, type TestDatabase } from '@rose-ash/shared/testing/database.ts';
import { freePort, listen } from '@rose-ash/shared/testing/http.ts';
import { mobilizonEventProblems, RemoteFediverse } from '@rose-ash/shared/testing/remote-fediverse.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_BUILDERS } from '../../dev/src/app-builders.ts';
import { buildApp } from '../src/app.ts';

let database: TestDatabase;
let events: TestApp;
let federation: TestApp;
let remote: RemoteFediverse;

beforeAll(async () => {
  database = await createTestDatabase();
  const [eventsPort, federationPort] = await Promise.all([freePort(), freePort()]);
  const config = testConfig({
    env: {
      EVENTS_PUBLIC_URL: `http://127.0.0.1:${eventsPort}`,
      FEDERATION_PUBLIC_URL: `http://127.0.0.1:${federationPort}`,
      // The federation app's EventProcessor delivers what the events app records.
      RUN_EVENT_PROCESSOR: 'true',
    },
  });
  events = await buildTestApp(buildApp, { config, database });
  federation = await buildTestApp((await APP_BUILDERS.federation()).buildApp, { config, database });
  // Remote servers fetch the events actor's key to check our signatures.
  await Promise.all([listen(events.app, eventsPort), listen(federation.app, federationPort)]);
  remote = await RemoteFediverse.start();
});
afterAll(async () => {
  await federation?.close();
  await events?.close();
  await remote?.close();
  await database?.drop();
});

const entryInput = (title: string, startsAt: Date): EntryInputDto => ({
  title,
  summary: 'Apples in, juice out.',
  description: '<p>Bring <em>apples</em>.</p>',
  imageUrl: null,
  startsAt,
  endsAt: new Date(startsAt.getTime() + 3 * 3_600_000),
  allDay: false,
  locationName: 'The Orchard',
  locationAddress: { streetAddress: 'Orchard Lane', locality: 'Rosebury', country: 'United Kingdom' },
  locationLat: null,
  locationLng: null,
  capacity: 30,
  bookingMode: 'free',
});

describe('entries on the fediverse', () => {
  it('a follower of @events receives Create, Update and the cancellation as Mobilizon-readable Events, then Delete; the entry URL resolves', async () => {
    const actor = `${events.config.apps.events.publicUrl}/ap/actor`;
    const mo = remote.addActor('mo');
    const follow = {
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${remote.origin}/follows/${randomUUID()}`,
      type: 'Follow',
      actor: mo.id,
      object: actor,
    };
    expect((await remote.signedPost(mo, `${actor}/inbox`, follow)).status).toBe(202);
    await remote.waitFor(
      () => remote.postsTo('/users/mo/inbox').some((p) => p.json?.['type'] === 'Accept'),
      10_000,
    );

    const cal = events.app.services.calendar;
    const calendar = await cal.createCalendar({
      container: { type: 'market', id: 1 },
      slug: 'orchard',
      calendar: { name: 'Orchard', description: '' },
    });
    if (!calendar.ok) throw new Error(calendar.message);
    const created = await cal.createEntry({
      calendarId: calendar.value.id,
      slug: 'apple-day',
      entry: entryInput('Apple day', new Date('2026-10-24T09:00:00Z')),
    });
    if (!created.ok) throw new Error(created.message);
    const entry = created.value[0] as NonNullable<(typeof created.value)[number]>;
    const received = (type: string) =>
      remote.postsTo('/users/mo/inbox').filter((p) => p.json?.['type'] === type);
    await remote.waitFor(() => received('Create').length === 1, 10_000);
    const create = received('Create')[0];
    expect(create?.verified, create?.verifyError ?? '').toBe(true);
    expect(create?.keyId).toBe(`${actor}#main-key`);
    expect(mobilizonEventProblems(create?.json ?? {})).toEqual([]);
    const url = `${events.config.apps.events.publicUrl}/orchard/apple-day/`;
    expect(create?.json?.['object']).toMatchObject({
      id: url,
      url,
      type: 'Event',
      name: 'Apple day',
      attributedTo: actor,
      startTime: '2026-10-24T10:00:00+01:00',
      endTime: '2026-10-24T13:00:00+01:00',
      timezone: 'Europe/London',
      joinMode: 'free',
      'ical:status': 'CONFIRMED',
      maximumAttendeeCapacity: 30,
      remainingAttendeeCapacity: 30,
      location: {
        type: 'Place',
        name: 'The Orchard',
        address: { type: 'PostalAddress', addressLocality: 'Rosebury' },
      },
    });
    expect(String((create?.json?.['object'] as Record<string, unknown> | undefined)?.['summary'])).toContain(
      'Europe/London',
    );

    const edited = await cal.updateEntry(entry.id, entryInput('Apple day (with cider)', entry.startsAt));
    expect(edited.ok).toBe(true);
    await remote.waitFor(() => received('Update').length === 1, 10_000);
    expect(mobilizonEventProblems(received('Update')[0]?.json ?? {})).toEqual([]);
    expect(received('Update')[0]?.json?.['object']).toMatchObject({
      id: url,
      name: 'Apple day (with cider)',
    });

    const cancelled = await cal.cancelEntry(entry.id, 'Storm warning.');
    expect(cancelled.ok).toBe(true);
    await remote.waitFor(() => received('Update').length === 2, 10_000);
    const cancellation = received('Update')[1];
    expect(mobilizonEventProblems(cancellation?.json ?? {})).toEqual([]);
    expect(cancellation?.json?.['object']).toMatchObject({
      id: url,
      'ical:status': 'CANCELLED',
      status: 'CANCELLED',
    });

    // The entry page is the Event for ActivityPub clients, and links to itself as such.
    const asJson = await events.app.inject({
      url: '/orchard/apple-day/',
      headers: { accept: 'application/activity+json' },
    });
    expect(asJson.statusCode).toBe(200);
    expect(asJson.headers['content-type']).toMatch(/^application\/activity\+json/);
    expect(asJson.headers.vary).toMatch(/Accept/);
    expect(asJson.json()).toMatchObject({ id: url, type: 'Event', 'ical:status': 'CANCELLED' });
    const html = await events.app.inject({ url: '/orchard/apple-day/', headers: { accept: 'text/html' } });
    expect(html.body).toContain(`<link rel="alternate" type="application/activity+json" href="${url}">`);
    expect(html.body).toContain('This event is cancelled.');
    expect(html.body).toContain('Storm warning.');

    // Removing it sends Delete; its URL then answers 410 with a Tombstone.
    const deleted = await cal.deleteEntry(entry.id);
    expect(deleted.ok).toBe(true);
    await remote.waitFor(() => received('Delete').length === 1, 10_000);
    expect(received('Delete')[0]?.json?.['object']).toMatchObject({ id: url, type: 'Tombstone' });
    const gone = await events.app.inject({
      url: '/orchard/apple-day/',
      headers: { accept: 'application/activity+json' },
    });
    expect(gone.statusCode).toBe(410);
    expect(gone.json()).toMatchObject({ id: url, type: 'Tombstone', formerType: 'Event' });
    expect(
      (
        await events.app.inject({
          url: '/orchard/never-was/',
          headers: { accept: 'application/activity+json' },
        })
      ).statusCode,
    ).toBe(404);
  });
});
