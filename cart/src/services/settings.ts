import { type AppConfig, appSettings } from '@rose-ash/shared/config/index.ts';
import { z } from 'zod';

const cartSettingsSchema = z.object({}).strict();
export type CartSettings = z.infer<typeof cartSettingsSchema>;

/** The cart app's settings: cart/config/defaults.yaml with `cart:` from app-config.yaml over it. */
export function cartSettings(config: AppConfig): CartSettings {
  return appSettings(
    config,
    'cart',
    cartSettingsSchema,
    new URL('../../config/defaults.yaml', import.meta.url),
  );
}
