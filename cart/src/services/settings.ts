import { type AppConfig, appSettings } from '@rose-ash/shared/config/index.ts';
import { z } from 'zod';

const cartSettingsSchema = z
  .object({
    collection_points: z
      .array(
        z
          .object({
            id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a lower-case slug'),
            name: z.string().min(1).max(120),
            details: z.string().max(200).optional(),
          })
          .strict(),
      )
      .refine((points) => new Set(points.map((p) => p.id)).size === points.length, 'ids must be unique'),
    delivery: z
      .object({
        enabled: z.boolean(),
        price_pence: z.number().int().min(0).max(100_000),
        country: z.string().regex(/^[A-Z]{2}$/, 'an ISO country code such as GB'),
      })
      .strict(),
    order_refresh_seconds: z.number().int().min(2).max(60),
    hosted_checkout_origins: z.array(
      z.string().regex(/^https?:\/\/(\*\.)?[a-z0-9.-]+(:\d+)?$/, 'an origin such as https://*.sumup.com'),
    ),
  })
  .strict()
  .refine((s) => s.delivery.enabled || s.collection_points.length > 0, {
    message: 'offer delivery or at least one collection point',
  });
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
