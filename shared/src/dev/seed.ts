import { sql } from 'drizzle-orm';
import type { AppConfig } from '../config/index.ts';
import type { Database } from '../db/client.ts';
import {
  authors,
  calendarEntries,
  calendars,
  categories,
  markets,
  navigationItems,
  newsletters,
  posts,
  postsAuthors,
  postsTags,
  products,
  productsMarkets,
  suppliers,
  tags,
  ticketTypes,
  users,
} from '../db/schema/index.ts';

import { seedFederation } from './seed-federation.ts';

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

    const [author] = await tx
      .insert(authors)
      .values({ slug: 'rose', name: 'Rose Gardener', bio: 'Grows things and writes about them.' })
      .returning();
    const insertedTags = await tx
      .insert(tags)
      .values([
        { slug: 'news', name: 'News', description: 'What the cooperative is up to.' },
        { slug: 'recipes', name: 'Recipes', description: 'Cooking with what the market has this week.' },
      ])
      .returning();
    const demoPosts = [
      {
        slug: 'welcome-to-rose-ash',
        title: 'Welcome to Rose Ash',
        text: 'Rose Ash is a cooperative: a blog, a market, events and a fediverse presence, run by its members.',
        tag: 0,
        daysAgo: 3,
      },
      {
        slug: 'spring-market-opens',
        title: 'The spring market opens',
        text: 'Growers and bakers are back every Saturday in the town square, with early greens and fresh bread.',
        tag: 0,
        daysAgo: 2,
      },
      {
        slug: 'wild-garlic-pesto',
        title: 'Wild garlic pesto',
        text: 'Blend wild garlic, hazelnuts, hard cheese, lemon and olive oil. Keeps a week in the fridge.',
        tag: 1,
        daysAgo: 1,
      },
    ];
    for (const p of demoPosts) {
      const [post] = await tx
        .insert(posts)
        .values({
          type: 'post',
          slug: p.slug,
          title: p.title,
          html: `<p>${p.text}</p>`,
          plaintext: p.text,
          excerpt: p.text,
          status: 'published',
          publishedAt: new Date(now - p.daysAgo * DAY),
          readingTime: 1,
          primaryAuthorId: author!.id,
        })
        .returning();
      await tx.insert(postsTags).values({ postId: post!.id, tagId: insertedTags[p.tag]!.id });
      await tx.insert(postsAuthors).values({ postId: post!.id, authorId: author!.id });
    }
    await tx.insert(posts).values({
      type: 'page',
      slug: 'about',
      title: 'About us',
      html: '<p>We are a cooperative of growers, makers and neighbours.</p>',
      plaintext: 'We are a cooperative of growers, makers and neighbours.',
      status: 'published',
      publishedAt: new Date(now - 10 * DAY),
      primaryAuthorId: author!.id,
    });
    await tx.insert(navigationItems).values([
      { menu: 'primary', label: 'Home', url: '/', sortOrder: 0 },
      { menu: 'primary', label: 'About', url: '/about/', sortOrder: 1 },
      { menu: 'secondary', label: 'RSS', url: '/rss/', sortOrder: 0 },
    ]);
    await tx.insert(newsletters).values({
      slug: 'weekly',
      name: 'The Weekly Basket',
      description: "What's in season and what's on.",
      subscribeOnSignup: true,
    });

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
    await seedFederation(tx, config);
    return true;
  });
}
