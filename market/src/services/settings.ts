import { type AppConfig, appSettings } from '@rose-ash/shared/config/index.ts';
import { z } from 'zod';

const marketSettingsSchema = z.object({}).strict();
export type MarketSettings = z.infer<typeof marketSettingsSchema>;

/** The market app's settings: market/config/defaults.yaml with `market:` from app-config.yaml over it. */
export function marketSettings(config: AppConfig): MarketSettings {
  return appSettings(
    config,
    'market',
    marketSettingsSchema,
    new URL('../../config/defaults.yaml', import.meta.url),
  );
}
