import { type AppConfig, appSettings } from '@rose-ash/shared/config/index.ts';
import { BookingPolicySchema } from '@rose-ash/shared/services/calendar/booking-policy.ts';
import { z } from 'zod';

const eventsSettingsSchema = z
  .object({
    /**
     * Booking rules; CalendarService reads the same keys (shared/src/services/calendar/
     * booking-policy.ts holds the schema and the defaults), so they are checked here at boot.
     */
    booking: BookingPolicySchema.default({ max_seats_per_member: 4, cancel_cutoff_hours: 24 }),
    /** How many entries the home page and the container widget list. */
    upcoming_limit: z.number().int().min(1).max(200).default(50),
    widget_limit: z.number().int().min(1).max(20).default(5),
  })
  .strict();
export type EventsSettings = z.infer<typeof eventsSettingsSchema>;

/** The events app's settings: events/config/defaults.yaml with `events:` from app-config.yaml over it. */
export function eventsSettings(config: AppConfig): EventsSettings {
  return appSettings(
    config,
    'events',
    eventsSettingsSchema,
    new URL('../../config/defaults.yaml', import.meta.url),
  );
}
