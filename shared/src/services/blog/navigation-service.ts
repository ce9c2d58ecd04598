import { asc } from 'drizzle-orm';
import { z } from 'zod';
import { PAGE_TAGS } from '../../contracts/widgets.ts';
import type { Database } from '../../db/client.ts';
import { type NavigationMenu, navigationItems } from '../../db/schema/index.ts';
import type { Cache } from '../../infrastructure/cache.ts';
import { invalidateFragment } from '../../infrastructure/fragments.ts';
import { purgePageCache } from '../../infrastructure/page-cache.ts';

export const navItemSchema = z.object({
  label: z.string().trim().min(1, 'Every item needs a label').max(60),
  url: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .refine((u) => u.startsWith('/') || u.startsWith('#') || /^https?:\/\/[^\s]+$/.test(u), {
      message: 'Links must start with /, # or http(s)://',
    }),
});
export type NavItem = z.infer<typeof navItemSchema>;

export async function readNavigation(db: Database): Promise<Record<NavigationMenu, NavItem[]>> {
  const rows = await db
    .select()
    .from(navigationItems)
    .orderBy(asc(navigationItems.menu), asc(navigationItems.sortOrder));
  return {
    primary: rows.filter((r) => r.menu === 'primary').map(({ label, url }) => ({ label, url })),
    secondary: rows.filter((r) => r.menu === 'secondary').map(({ label, url }) => ({ label, url })),
  };
}

/**
 * Replaces both menus. The `nav` fragment every app's header shows, and the cached reader
 * pages, are dropped so the change shows at once. Stays local: Ghost integrations cannot
 * write Ghost's settings.
 */
export async function saveNavigation(
  deps: { db: Database; cache: Cache },
  menus: Record<NavigationMenu, NavItem[]>,
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    await tx.delete(navigationItems);
    const rows = (['primary', 'secondary'] as const).flatMap((menu) =>
      menus[menu].map((item, sortOrder) => ({ menu, label: item.label, url: item.url, sortOrder })),
    );
    if (rows.length) await tx.insert(navigationItems).values(rows);
  });
  await invalidateFragment(deps.cache, 'nav');
  await purgePageCache(deps.cache, [PAGE_TAGS.blogPosts]);
}
