import { sql } from 'drizzle-orm';
import type { AppConfig } from '../config/index.ts';
import type { Database } from '../db/client.ts';
import {
  calendarEntries,
  calendars,
  categories,
  markets,
  posts,
  products,
  productsMarkets,
  suppliers,
  ticketTypes,
  users,
} from '../db/schema/index.ts';
import { seedAccountDemo } from './seed-account.ts';
import { seedDemoBlog } from './seed-blog.ts';
import { seedDemoEvents } from './seed-events.ts';
import { seedFederation } from './seed-federation.ts';
import { seedMarketDemo } from './seed-market.ts';

const DAY = 24 * 60 * 60 * 1000;

/**
 * Demo content for `pnpm dev`, inserted once (when the database has no posts and no markets):
 * posts and a page, a market with products, a calendar with upcoming entries, and the admins.
 * Returns false when the database already had content.
 */
export async function seedDemoContent(db: Database, config: AppConfig): Promise<boolean> {
  return db.transaction(async (tx) => {
    // Serialise concurrent starts: the second one sees the first's content and stops.
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('rose-ash:demo-seed'))`);
    if ((await tx.$count(posts)) + (await tx.$count(markets)) > 0) return false;

    const now = Date.now();
    const currency = config.site.currency;
    const timezone = config.site.timezone;

    for (const email of config.admins) {
      await tx
        .insert(users)
        .values({ email, displayName: 'Admin', emailVerifiedAt: new Date() })
        .onConflictDoNothing();
    }

    // With Ghost configured the blog's content is Ghost's: no demo posts beside it.
    if (!config.ghost) await seedDemoBlog(tx, now);

    const [supplier] = await tx
      .insert(suppliers)
      .values({ slug: 'hill-farm', name: 'Hill Farm', website: 'https://hill-farm.example' })
      .returning();
    const [market] = await tx
      .insert(markets)
      .values({
        slug: 'saturday-market',
        name: 'Saturday Market',
        description: 'Local growers and makers every Saturday morning.',
        location: 'Town Square',
      })
      .returning();
    const [veg, bakery] = await tx
      .insert(categories)
      .values([
        { slug: 'vegetables', name: 'Vegetables' },
        { slug: 'bakery', name: 'Bakery' },
      ])
      .returning();
    const demoProducts = [
      { sku: 'HF-001', name: 'Rainbow chard', unit: 'bunch', price: 250, category: veg!.id, stock: 20 },
      { sku: 'HF-002', name: 'New potatoes', unit: '1 kg', price: 180, category: veg!.id, stock: 50 },
      { sku: 'HF-003', name: 'Wild garlic', unit: '100 g', price: 150, category: veg!.id, stock: 0 },
      { sku: 'HF-010', name: 'Sourdough loaf', unit: 'each', price: 420, category: bakery!.id, stock: null },
      {
        sku: 'HF-011',
        name: 'Cinnamon buns',
        unit: 'pack of 4',
        price: 500,
        category: bakery!.id,
        stock: 12,
      },
    ];
    for (const p of demoProducts) {
      const [product] = await tx
        .insert(products)
        .values({
          supplierId: supplier!.id,
          sku: p.sku,
          slug: p.name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
          name: p.name,
          description: `${p.name} from ${supplier!.name}.`,
          pricePence: p.price,
          currency,
          unit: p.unit,
          stockQuantity: p.stock,
          categoryId: p.category,
          // Demo products are not news to the fediverse.
          announcedAt: new Date(),
        })
        .returning();
      await tx.insert(productsMarkets).values({ productId: product!.id, marketId: market!.id });
    }
    await seedMarketDemo(tx, config);

    const [calendar] = await tx
      .insert(calendars)
      .values({
        containerType: 'market',
        containerId: market!.id,
        slug: 'saturday-market',
        name: 'Saturday Market',
        timezone,
      })
      .returning();
    const entries = [
      { slug: 'market-day', title: 'Market day', days: 2, mode: 'free' as const, capacity: null },
      {
        slug: 'bread-workshop',
        title: 'Sourdough workshop',
        days: 5,
        mode: 'tickets' as const,
        capacity: 12,
      },
      { slug: 'seed-swap', title: 'Seed swap', days: 9, mode: 'free' as const, capacity: 40 },
    ];
    for (const e of entries) {
      const startsAt = new Date(Math.ceil((now + e.days * DAY) / (60 * 60 * 1000)) * 60 * 60 * 1000);
      const [entry] = await tx
        .insert(calendarEntries)
        .values({
          calendarId: calendar!.id,
          slug: e.slug,
          title: e.title,
          summary: `${e.title} at the Town Square.`,
          description: `<p>${e.title} at the Town Square. All welcome.</p>`,
          startsAt,
          endsAt: new Date(startsAt.getTime() + 3 * 60 * 60 * 1000),
          timezone,
          locationName: 'Town Square',
          capacity: e.capacity,
          bookingMode: e.mode,
        })
        .returning();
      if (e.mode === 'tickets') {
        await tx.insert(ticketTypes).values({
          entryId: entry!.id,
          name: 'Standard',
          pricePence: 2500,
          currency,
          quantity: e.capacity ?? 10,
        });
      }
    }
    await seedDemoEvents(tx, config, now);
    await seedFederation(tx, config);
    await seedAccountDemo(tx);
    return true;
  });
}
