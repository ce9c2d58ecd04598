import { type AppConfig, appSettings } from '@rose-ash/shared/config/index.ts';
import { z } from 'zod';

const blogSettingsSchema = z.object({
  posts_per_page: z.number().int().min(1).max(100),
  feed_items: z.number().int().min(1).max(200),
  announce_window_hours: z
    .number()
    .min(0)
    .max(24 * 365),
});
export type BlogSettings = z.infer<typeof blogSettingsSchema>;

/** The blog's settings: blog/config/defaults.yaml with `blog:` from app-config.yaml over it. */
export function blogSettings(config: AppConfig): BlogSettings {
  return appSettings(
    config,
    'blog',
    blogSettingsSchema,
    new URL('../../config/defaults.yaml', import.meta.url),
  );
}
