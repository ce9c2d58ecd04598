import type { EntryInputDto } from '@rose-ash/shared/contracts/dtos.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import ical, { type VEvent } from 'node-ical';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp(buildApp);
});
afterAll(async () => t?.close());

const base: Omit<EntryInputDto, 'title' | 'startsAt' | 'endsAt' | 'allDay'> = {
  summary: null,
  description: '<p>Bring a <strong>jar</strong>.</p><script>alert(1)</script>',
  imageUrl: null,
  locationName: 'Town Hall',
  locationAddress: { streetAddress: '1 High Street', locality: 'Rosebury', postalCode: 'RB1 1AA' },
  locationLat: 51.5,
  locationLng: -0.12,
  capacity: 20,
  bookingMode: 'free',
};

function veventsOf(text: string): VEvent[] {
  return Object.values(ical.sync.parseICS(text)).filter((c): c is VEvent => c?.type === 'VEVENT');
}

/** An instant node-ical parsed, as ISO text (undefined when absent). */
const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : undefined);

describe('iCal feeds', () => {
  it('parse back with the right times across the October DST change, all-day and multi-day entries, cancellations, and UIDs that survive edits', async () => {
    const cal = t.app.services.calendar;
    const created = await cal.createCalendar({
      container: { type: 'market', id: 1 },
      slug: 'autumn',
      calendar: { name: 'Autumn', description: '' },
    });
    if (!created.ok) throw new Error(created.message);
    const calendarId = created.value.id;
    const make = async (
      slug: string,
      entry: Partial<EntryInputDto> & Pick<EntryInputDto, 'title' | 'startsAt'>,
    ) => {
      const r = await cal.createEntry({
        calendarId,
        slug,
        entry: { ...base, endsAt: null, allDay: false, ...entry },
      });
      if (!r.ok) throw new Error(r.message);
      return r.value[0] as NonNullable<(typeof r.value)[number]>;
    };
    // British Summer Time ends at 02:00 on Sunday 25 October 2026: 10:00 is 09:00Z before, 10:00Z after.
    const before = await make('before-dst', {
      title: 'Before the change',
      startsAt: new Date('2026-10-24T09:00:00Z'),
      endsAt: new Date('2026-10-24T12:00:00Z'),
    });
    const after = await make('after-dst', {
      title: 'After the change',
      startsAt: new Date('2026-10-26T10:00:00Z'),
      endsAt: new Date('2026-10-26T13:00:00Z'),
    });
    // All day Saturday 31 October (local midnights; the end is the next midnight, exclusive).
    const allDay = await make('harvest-day', {
      title: 'Harvest day',
      startsAt: new Date('2026-10-31T00:00:00Z'),
      endsAt: new Date('2026-11-01T00:00:00Z'),
      allDay: true,
    });
    // Friday 10:00 BST to Sunday 16:00 GMT, across the change.
    const multi = await make('fair-weekend', {
      title: 'Fair weekend',
      startsAt: new Date('2026-10-23T09:00:00Z'),
      endsAt: new Date('2026-10-25T16:00:00Z'),
    });
    const doomed = await make('called-off', {
      title: 'Called off',
      startsAt: new Date('2026-10-28T18:00:00Z'),
    });
    const cancelled = await cal.cancelEntry(doomed.id, 'The hall flooded.');
    expect(cancelled.ok).toBe(true);

    // Feeds reach back 90 days from now, so read them as of the entries' season.
    const feed = (await cal.listEntryDetails(calendarId, {})).slice();
    const { calendarIcs } = await import('../src/services/ical.ts');
    const text = calendarIcs(t.config, created.value, feed);
    expect(text).toContain('BEGIN:VTIMEZONE');
    expect(text).toContain('TZID:Europe/London');
    expect(text).toMatch(/DTSTART;TZID=Europe\/London:20261024T100000/);
    expect(text).toMatch(/DTSTART;TZID=Europe\/London:20261026T100000/);
    expect(text).not.toContain('<script>');

    const events = new Map(veventsOf(text).map((e) => [e.summary, e]));
    expect(iso(events.get('Before the change')?.start)).toBe('2026-10-24T09:00:00.000Z');
    expect(iso(events.get('After the change')?.start)).toBe('2026-10-26T10:00:00.000Z');
    expect(iso(events.get('After the change')?.end)).toBe('2026-10-26T13:00:00.000Z');
    const day = events.get('Harvest day');
    expect(day?.datetype).toBe('date');
    expect(text).toMatch(/DTSTART;VALUE=DATE:20261031/);
    expect(text).toMatch(/DTEND;VALUE=DATE:20261101/);
    const weekend = events.get('Fair weekend');
    expect(iso(weekend?.start)).toBe('2026-10-23T09:00:00.000Z');
    expect(iso(weekend?.end)).toBe('2026-10-25T16:00:00.000Z');
    expect(events.get('Called off')?.status).toBe('CANCELLED');
    expect(events.get('Before the change')?.status).toBe('CONFIRMED');
    expect(events.get('Before the change')?.url).toMatchObject({
      val: `${t.config.apps.events.publicUrl}/autumn/before-dst/`,
    });
    expect(events.get('Before the change')?.location).toContain('Town Hall');

    // An edit keeps the UID and raises SEQUENCE.
    const uid = events.get('Before the change')?.uid;
    const sequence = Number(events.get('Before the change')?.sequence ?? 0);
    const edited = await cal.updateEntry(before.id, {
      ...base,
      title: 'Before the change (moved to 11:00)',
      startsAt: new Date('2026-10-24T10:00:00Z'),
      endsAt: null,
      allDay: false,
    });
    expect(edited.ok).toBe(true);
    const single = await t.app.inject({ url: '/autumn/before-dst.ics' });
    expect(single.statusCode).toBe(200);
    expect(single.headers['content-type']).toMatch(/^text\/calendar/);
    const [again] = veventsOf(single.body);
    expect(again?.uid).toBe(uid);
    expect(Number(again?.sequence)).toBe(sequence + 1);
    expect(again?.summary).toBe('Before the change (moved to 11:00)');
    expect(iso(again?.start)).toBe('2026-10-24T10:00:00.000Z');
    expect(after.id).not.toBe(before.id);
    expect(allDay.allDay).toBe(true);
    expect(multi.endsAt?.toISOString()).toBe('2026-10-25T16:00:00.000Z');
  });

  it('serves /<calendar>.ics with subscribe links on the pages, and 404s for an unknown calendar', async () => {
    const created = await t.app.services.calendar.createCalendar({
      container: { type: 'market', id: 2 },
      slug: 'winter',
      calendar: { name: 'Winter', description: '' },
    });
    if (!created.ok) throw new Error(created.message);
    const now = Date.now();
    await t.app.services.calendar.createEntry({
      calendarId: created.value.id,
      slug: 'soup-night',
      entry: {
        ...base,
        title: 'Soup night',
        startsAt: new Date(now + 86_400_000),
        endsAt: null,
        allDay: false,
      },
    });
    const res = await t.app.inject({ url: '/winter.ics' });
    expect(res.statusCode).toBe(200);
    expect(veventsOf(res.body).map((e) => e.summary)).toEqual(['Soup night']);
    const page = await t.app.inject({ url: '/winter/' });
    expect(page.body).toContain('href="webcal://localhost:8004/winter.ics"');
    const entryPage = await t.app.inject({ url: '/winter/soup-night/' });
    expect(entryPage.body).toContain('href="webcal://localhost:8004/winter/soup-night.ics"');
    expect((await t.app.inject({ url: '/nowhere.ics' })).statusCode).toBe(404);
  });
});
