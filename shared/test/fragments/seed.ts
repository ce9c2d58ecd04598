/** Rows the contract and fragment tests build on (each test file seeds its own database). */
import { eq } from 'drizzle-orm';
import type { DatabaseHandle } from '../../src/db/client.ts';
import {
  authors,
  calendarEntries,
  calendars,
  markets,
  navigationItems,
  orders,
  posts,
  products,
  suppliers,
  ticketTypes,
  users,
} from '../../src/db/schema/index.ts';
import type { ServiceRegistry } from '../../src/services/registry.ts';

let n = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++n}`;

export async function seedAuthor(db: DatabaseHandle, name = 'Ada Author') {
  const [row] = await db.db
    .insert(authors)
    .values({ slug: unique('author'), name })
    .returning();
  return row as NonNullable<typeof row>;
}

export async function seedPost(
  db: DatabaseHandle,
  values: Partial<typeof posts.$inferInsert> & { title?: string } = {},
) {
  const [row] = await db.db
    .insert(posts)
    .values({
      slug: unique('post'),
      title: 'A post',
      html: '<p>Body text</p>',
      status: 'published',
      publishedAt: new Date('2026-01-02T10:00:00Z'),
      ...values,
    })
    .returning();
  return row as NonNullable<typeof row>;
}

export async function seedNav(db: DatabaseHandle, items: { label: string; url: string }[]) {
  await db.db
    .insert(navigationItems)
    .values(items.map((item, i) => ({ menu: 'primary' as const, sortOrder: i, ...item })));
}

export async function seedProduct(db: DatabaseHandle, values: Partial<typeof products.$inferInsert> = {}) {
  const [supplier] = await db.db
    .insert(suppliers)
    .values({ slug: unique('supplier'), name: 'Supplier' })
    .returning();
  const [row] = await db.db
    .insert(products)
    .values({
      supplierId: (supplier as { id: number }).id,
      sku: unique('SKU'),
      slug: unique('product'),
      name: 'Apple juice',
      pricePence: 350,
      currency: 'GBP',
      ...values,
    })
    .returning();
  return row as NonNullable<typeof row>;
}

export async function seedMarket(db: DatabaseHandle, name = 'Saturday market') {
  const [row] = await db.db
    .insert(markets)
    .values({ slug: unique('market'), name })
    .returning();
  return row as NonNullable<typeof row>;
}

/** A calendar on a container with one entry starting `inDays` from now, and a ticket type. */
export async function seedEntry(
  db: DatabaseHandle,
  container: { type: 'post' | 'page' | 'market'; id: number },
  options: { title?: string; inDays?: number; ticketQuantity?: number } = {},
) {
  const [calendar] = await db.db
    .insert(calendars)
    .values({
      containerType: container.type,
      containerId: container.id,
      slug: unique('cal'),
      name: 'Workshops',
      timezone: 'Europe/London',
    })
    .returning();
  const startsAt = new Date(Date.now() + (options.inDays ?? 3) * 86_400_000);
  const [entry] = await db.db
    .insert(calendarEntries)
    .values({
      calendarId: (calendar as { id: number }).id,
      slug: unique('entry'),
      title: options.title ?? 'Bread workshop',
      startsAt,
      timezone: 'Europe/London',
      bookingMode: 'tickets',
    })
    .returning();
  const [ticketType] = await db.db
    .insert(ticketTypes)
    .values({
      entryId: (entry as { id: number }).id,
      name: 'Standard',
      pricePence: 1000,
      currency: 'GBP',
      quantity: options.ticketQuantity ?? 10,
    })
    .returning();
  return {
    calendar: calendar as NonNullable<typeof calendar>,
    entry: entry as NonNullable<typeof entry>,
    ticketType: ticketType as NonNullable<typeof ticketType>,
  };
}

export async function seedUser(db: DatabaseHandle, email = `${unique('member')}@example.test`) {
  const [row] = await db.db.insert(users).values({ email, displayName: 'Mina Member' }).returning();
  return row as NonNullable<typeof row>;
}

/**
 * A calendar on a container with one free-booking entry starting `inDays` from now (whole
 * hours), `capacity` seats (null: no limit).
 */
export async function seedFreeEntry(
  db: DatabaseHandle,
  container: { type: 'post' | 'page' | 'market'; id: number },
  options: { title?: string; inDays?: number; capacity?: number | null; calendarSlug?: string } = {},
) {
  const [calendar] = await db.db
    .insert(calendars)
    .values({
      containerType: container.type,
      containerId: container.id,
      slug: options.calendarSlug ?? unique('cal'),
      name: 'Gatherings',
      timezone: 'Europe/London',
    })
    .returning();
  const hour = 3_600_000;
  const startsAt = new Date(Math.ceil((Date.now() + (options.inDays ?? 3) * 86_400_000) / hour) * hour);
  const [entry] = await db.db
    .insert(calendarEntries)
    .values({
      calendarId: (calendar as { id: number }).id,
      slug: unique('entry'),
      title: options.title ?? 'Seed swap',
      startsAt,
      endsAt: new Date(startsAt.getTime() + 2 * hour),
      timezone: 'Europe/London',
      locationName: 'Town Hall',
      bookingMode: 'free',
      capacity: options.capacity === undefined ? 10 : options.capacity,
    })
    .returning();
  return {
    calendar: calendar as NonNullable<typeof calendar>,
    entry: entry as NonNullable<typeof entry>,
  };
}

// ---- market -------------------------------------------------------------------------------

export interface SeedProductSpec {
  name: string;
  description?: string;
  pricePence?: number;
  unit?: string;
  category?: string;
  supplier?: string;
  stockQuantity?: number | null;
  isActive?: boolean;
  sku?: string;
  imageUrl?: string;
  firstSeenAt?: Date;
}

/**
 * A market carrying suppliers' products in categories (created by name as needed), with the
 * search documents refreshed as the market service keeps them.
 */
export async function seedCatalogue(
  db: DatabaseHandle,
  spec: { market?: string; products: SeedProductSpec[] },
): Promise<{ market: typeof markets.$inferSelect; products: (typeof products.$inferSelect)[] }> {
  const { categories, marketsSuppliers, productsMarkets } = await import('../../src/db/schema/index.ts');
  const { probeSearch, refreshSearch } = await import('../../src/services/market/search.ts');
  const { slugify } = await import('../../src/services/market/scrape-store.ts');
  const { sql } = await import('drizzle-orm');
  const market = await seedMarket(db, spec.market ?? 'Saturday market');
  const supplierIds = new Map<string, number>();
  const categoryIds = new Map<string, number>();
  const rows: (typeof products.$inferSelect)[] = [];
  for (const p of spec.products) {
    const supplierName = p.supplier ?? 'Hill Farm';
    let supplierId = supplierIds.get(supplierName);
    if (!supplierId) {
      const [s] = await db.db
        .insert(suppliers)
        .values({ slug: unique(slugify(supplierName)), name: supplierName })
        .returning();
      supplierId = (s as { id: number }).id;
      supplierIds.set(supplierName, supplierId);
      await db.db.insert(marketsSuppliers).values({ marketId: market.id, supplierId });
    }
    let categoryId: number | null = null;
    if (p.category) {
      categoryId = categoryIds.get(p.category) ?? null;
      if (!categoryId) {
        const [c] = await db.db
          .insert(categories)
          .values({ slug: unique(slugify(p.category)), name: p.category })
          .returning();
        categoryId = (c as { id: number }).id;
        categoryIds.set(p.category, categoryId);
      }
    }
    const [row] = await db.db
      .insert(products)
      .values({
        supplierId,
        sku: p.sku ?? unique('SKU'),
        slug: unique(slugify(p.name)),
        name: p.name,
        description: p.description ?? null,
        pricePence: p.pricePence ?? 250,
        currency: 'GBP',
        unit: p.unit ?? null,
        imageUrl: p.imageUrl ?? null,
        images: p.imageUrl ? [p.imageUrl] : [],
        stockQuantity: p.stockQuantity === undefined ? null : p.stockQuantity,
        isActive: p.isActive ?? true,
        categoryId,
        ...(p.firstSeenAt ? { firstSeenAt: p.firstSeenAt } : {}),
      })
      .returning();
    const product = row as NonNullable<typeof row>;
    await db.db.insert(productsMarkets).values({ productId: product.id, marketId: market.id });
    rows.push(product);
  }
  await refreshSearch(db.db, await probeSearch(db.db), sql`true`);
  return { market, products: rows };
}

// ---- account ------------------------------------------------------------------------------

/**
 * A member's ticket order as the cart makes it: ticket lines added to their cart, checked out
 * (places held), marked paid and its tickets issued by the calendar, as the payment webhook
 * does. Returns the order and the tickets.
 */
export async function seedTicketOrder(
  services: ServiceRegistry,
  db: DatabaseHandle,
  input: { userId: number; email: string; ticketTypeId: number; quantity: number; name?: string },
) {
  const owner = { userId: input.userId };
  const added = await services.cart.addItem(owner, {
    ticketTypeId: input.ticketTypeId,
    quantity: input.quantity,
  });
  if (!added.ok) throw new Error(`could not add tickets: ${added.reason}`);
  const checkout = await services.cart.checkout(owner, {
    email: input.email,
    name: input.name ?? 'Mina Member',
    fulfilment: 'none',
    collectionPoint: null,
    address: null,
    notes: 'Please seat us together',
    deliveryPence: 0,
    userId: input.userId,
  });
  if (!checkout.ok) throw new Error(`checkout failed: ${checkout.reason}`);
  const order = checkout.order;
  await services.calendar.releaseTickets(
    order.items.map((i) => ({ id: i.ticketTypeId as number, quantity: i.quantity })),
  );
  await db.db.update(orders).set({ status: 'paid', paidAt: new Date() }).where(eq(orders.id, order.id));
  const issued = await services.calendar.issueTickets({
    orderId: order.id,
    holderEmail: input.email,
    holderName: input.name ?? 'Mina Member',
    userId: input.userId,
    items: order.items.map((i) => ({
      orderItemId: i.id,
      ticketTypeId: i.ticketTypeId as number,
      quantity: i.quantity,
    })),
  });
  if (!issued.ok) throw new Error(`tickets not issued: ${issued.reason}`);
  return { order, tickets: issued.tickets };
}
