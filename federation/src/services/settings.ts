import { type AppConfig, appSettings } from '@rose-ash/shared/config/index.ts';
import { z } from 'zod';

const federationSettingsSchema = z
  .object({
    lookup_timeout_ms: z.number().int().min(100).max(30_000),
  })
  .strict();
export type FederationSettings = z.infer<typeof federationSettingsSchema>;

/** The federation app's settings: federation/config/defaults.yaml with `federation:` from app-config.yaml over it. */
export function federationSettings(config: AppConfig): FederationSettings {
  return appSettings(
    config,
    'federation',
    federationSettingsSchema,
    new URL('../../config/defaults.yaml', import.meta.url),
  );
}
