import { type AppConfig, appSettings } from '@rose-ash/shared/config/index.ts';
import { z } from 'zod';

const eventsSettingsSchema = z.object({}).strict();
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
