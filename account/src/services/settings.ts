import { type AppConfig, appSettings } from '@rose-ash/shared/config/index.ts';
import { z } from 'zod';

const accountSettingsSchema = z.object({}).strict();
export type AccountSettings = z.infer<typeof accountSettingsSchema>;

/** The account app's settings: account/config/defaults.yaml with `account:` from app-config.yaml over it. */
export function accountSettings(config: AppConfig): AccountSettings {
  return appSettings(
    config,
    'account',
    accountSettingsSchema,
    new URL('../../config/defaults.yaml', import.meta.url),
  );
}
