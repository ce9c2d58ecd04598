/**
 * The admin's form contracts: what an admin types (local dates and times in the site's zone,
 * money in pounds) parsed into the service's inputs (instants, minor units), with field errors.
 */
import type { CalendarEntryDto, EntryInputDto } from '@rose-ash/shared/contracts/dtos.ts';
import {
  localDate,
  localTime,
  localToInstant,
  startOfLocalDay,
} from '@rose-ash/shared/services/calendar/zoned-time.ts';
import { z } from 'zod';

const text = (max: number) => z.string().trim().max(max).default('');
const date = z
  .string()
  .trim()
  .regex(/^(\d{4}-\d{2}-\d{2})?$/, 'a date such as 2026-10-24')
  .default('');
const time = z
  .string()
  .trim()
  .regex(/^(([01]\d|2[0-3]):[0-5]\d)?$/, 'a time such as 09:30')
  .default('');
const decimal = (min: number, max: number) =>
  z
    .string()
    .trim()
    .max(30)
    .default('')
    .refine((v) => v === '' || (Number.isFinite(Number(v)) && Number(v) >= min && Number(v) <= max), {
      message: `a number between ${min} and ${max}`,
    });

export const ContainerChoice = z
  .string()
  .regex(/^(post|page|market):\d{1,10}$/, 'choose what the calendar belongs to');

export const CalendarForm = z.object({
  _csrf: z.string().max(200).optional(),
  container: ContainerChoice.optional(),
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .max(100)
    .regex(/^([a-z0-9][a-z0-9-]*)?$/, 'lower-case letters, digits and hyphens')
    .default(''),
  name: z.string().trim().min(1, 'Give the calendar a name').max(200),
  description: text(5_000),
});

/** The entry form's raw fields (also what the form shows again). */
export const EntryFormFields = z.object({
  _csrf: z.string().max(200).optional(),
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .max(100)
    .regex(/^([a-z0-9][a-z0-9-]*)?$/, 'lower-case letters, digits and hyphens')
    .default(''),
  title: z.string().trim().min(1, 'Give the entry a title').max(200),
  summary: text(300),
  description: z.string().max(100_000).default(''),
  image_url: z
    .string()
    .trim()
    .max(2_000)
    .default('')
    .refine((v) => v === '' || /^https?:\/\/\S+$/.test(v), 'a link starting with http(s)://'),
  start_date: date.refine((v) => v !== '', 'when does it start?'),
  start_time: time,
  end_date: date,
  end_time: time,
  all_day: z.literal('on').optional(),
  location_name: text(200),
  street: text(200),
  locality: text(100),
  region: text(100),
  postal_code: text(20),
  country: text(100),
  lat: decimal(-90, 90),
  lng: decimal(-180, 180),
  capacity: z
    .string()
    .trim()
    .default('')
    .refine((v) => v === '' || /^\d{1,7}$/.test(v), 'a whole number, or empty for unlimited'),
  booking_mode: z.enum(['free', 'tickets', 'none']).default('free'),
  repeat_until: date,
});
export type EntryFormFields = z.infer<typeof EntryFormFields>;

/** Parses the entry form into the service's input in `timeZone`; field errors as zod issues. */
export function entryFormIn(timeZone: string) {
  return EntryFormFields.transform((f, ctx) => {
    const allDay = f.all_day === 'on';
    let startsAt: Date | null;
    let endsAt: Date | null = null;
    if (allDay) {
      startsAt = localToInstant(f.start_date, null, timeZone);
      const last = f.end_date || f.start_date;
      endsAt = localToInstant(last, null, timeZone) ? startOfLocalDay(last, timeZone, 1) : null;
      if (!endsAt) ctx.addIssue({ code: 'custom', path: ['end_date'], message: 'not a date' });
    } else {
      if (!f.start_time)
        ctx.addIssue({ code: 'custom', path: ['start_time'], message: 'what time does it start?' });
      startsAt = localToInstant(f.start_date, f.start_time || '00:00', timeZone);
      if (f.end_time || f.end_date) {
        endsAt = localToInstant(f.end_date || f.start_date, f.end_time || '23:59', timeZone);
        if (!endsAt) ctx.addIssue({ code: 'custom', path: ['end_date'], message: 'not a date' });
      }
    }
    if (!startsAt) {
      ctx.addIssue({ code: 'custom', path: ['start_date'], message: 'not a date' });
      return z.NEVER;
    }
    if (endsAt && endsAt < startsAt)
      ctx.addIssue({ code: 'custom', path: ['end_date'], message: 'the end is before the start' });
    if ((f.lat === '') !== (f.lng === ''))
      ctx.addIssue({
        code: 'custom',
        path: ['lat'],
        message: 'give both latitude and longitude, or neither',
      });
    const repeatUntil = f.repeat_until ? startOfLocalDay(f.repeat_until, timeZone, 1) : null;
    const address = {
      ...(f.street ? { streetAddress: f.street } : {}),
      ...(f.locality ? { locality: f.locality } : {}),
      ...(f.region ? { region: f.region } : {}),
      ...(f.postal_code ? { postalCode: f.postal_code } : {}),
      ...(f.country ? { country: f.country } : {}),
    };
    const entry: EntryInputDto = {
      title: f.title,
      summary: f.summary || null,
      description: f.description.trim() || null,
      imageUrl: f.image_url || null,
      startsAt,
      endsAt,
      allDay,
      locationName: f.location_name || null,
      locationAddress: Object.keys(address).length ? address : null,
      locationLat: f.lat === '' ? null : Number(f.lat),
      locationLng: f.lng === '' ? null : Number(f.lng),
      capacity: f.capacity === '' ? null : Number(f.capacity),
      bookingMode: f.booking_mode,
    };
    return { slug: f.slug, entry, repeatUntil };
  });
}

/** The form's fields for an entry (saved, or as typed and parsed), in its zone. */
export function entryFormValues(
  entry: EntryInputDto & Pick<CalendarEntryDto, 'slug' | 'timezone'>,
): Record<string, string> {
  const zone = entry.timezone;
  const lastDay = entry.allDay && entry.endsAt ? new Date(entry.endsAt.getTime() - 1) : entry.endsAt;
  return {
    slug: entry.slug,
    title: entry.title,
    summary: entry.summary ?? '',
    description: entry.description ?? '',
    image_url: entry.imageUrl ?? '',
    start_date: localDate(entry.startsAt, zone),
    start_time: entry.allDay ? '' : localTime(entry.startsAt, zone),
    end_date: lastDay ? localDate(lastDay, zone) : '',
    end_time: entry.endsAt && !entry.allDay ? localTime(entry.endsAt, zone) : '',
    all_day: entry.allDay ? 'on' : '',
    location_name: entry.locationName ?? '',
    street: entry.locationAddress?.streetAddress ?? '',
    locality: entry.locationAddress?.locality ?? '',
    region: entry.locationAddress?.region ?? '',
    postal_code: entry.locationAddress?.postalCode ?? '',
    country: entry.locationAddress?.country ?? '',
    lat: entry.locationLat === null ? '' : String(entry.locationLat),
    lng: entry.locationLng === null ? '' : String(entry.locationLng),
    capacity: entry.capacity === null ? '' : String(entry.capacity),
    booking_mode: entry.bookingMode,
  };
}

export const TicketTypeForm = z.object({
  _csrf: z.string().max(200).optional(),
  name: z.string().trim().min(1, 'Name the ticket type').max(100),
  description: text(1_000),
  price: z
    .string()
    .trim()
    .regex(/^\d{1,6}(\.\d{1,2})?$/, 'a price such as 12.50')
    .transform((v) => Math.round(Number(v) * 100)),
  quantity: z.coerce.number().int('a whole number').min(0).max(1_000_000),
});

export const CancelEntryForm = z.object({
  _csrf: z.string().max(200).optional(),
  note: text(2_000),
});

export const ArchiveForm = z.object({
  _csrf: z.string().max(200).optional(),
  archived: z.enum(['0', '1']),
});

export const CsrfOnly = z.object({ _csrf: z.string().max(200).optional() });
