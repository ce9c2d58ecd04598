/**
 * The market admin: markets (name, slug, location, description, opening times, order) and
 * which suppliers' products each carries. `products_markets` follows the supplier choice: a
 * market lists every product of the suppliers it carries.
 */
import { and, asc, count, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { MarketInputDto } from '../../contracts/dtos.ts';
import type { Database, DatabaseLike } from '../../db/client.ts';
import { markets, marketsSuppliers, products, productsMarkets, suppliers } from '../../db/schema/index.ts';
import { slugify } from './scrape-store.ts';

export async function listMarketsForAdmin(db: DatabaseLike) {
  const rows = await db.select().from(markets).orderBy(asc(markets.sortOrder), asc(markets.name));
  return Promise.all(rows.map((m) => decorate(db, m)));
}

export async function getMarketForAdmin(db: DatabaseLike, id: number) {
  const [row] = await db.select().from(markets).where(eq(markets.id, id));
  return row ? decorate(db, row) : null;
}

async function decorate(db: DatabaseLike, m: typeof markets.$inferSelect) {
  const [links, counted] = await Promise.all([
    db
      .select({ id: marketsSuppliers.supplierId })
      .from(marketsSuppliers)
      .where(eq(marketsSuppliers.marketId, m.id))
      .orderBy(asc(marketsSuppliers.supplierId)),
    db.select({ n: count() }).from(productsMarkets).where(eq(productsMarkets.marketId, m.id)),
  ]);
  return {
    id: m.id,
    slug: m.slug,
    name: m.name,
    description: m.description,
    location: m.location,
    openingTimes: m.openingTimes,
    sortOrder: m.sortOrder,
    supplierIds: links.map((l) => l.id),
    productCount: counted[0]?.n ?? 0,
  };
}

export type SaveMarketOutcome =
  | { ok: true; id: number }
  | { ok: false; reason: 'slug-taken' | 'not-found'; message: string };

/** Creates or updates a market and replaces the suppliers it carries, in one transaction. */
export async function saveMarket(
  db: Database,
  id: number | null,
  input: MarketInputDto,
): Promise<SaveMarketOutcome> {
  const slug = input.slug || slugify(input.name).slice(0, 100) || 'market';
  const values = {
    slug,
    name: input.name,
    location: input.location || null,
    description: input.description || null,
    openingTimes: input.openingTimes || null,
    sortOrder: input.sortOrder,
  };
  return db.transaction(async (tx) => {
    const [clash] = await tx
      .select({ id: markets.id })
      .from(markets)
      .where(and(eq(markets.slug, slug), id ? sql`${markets.id} <> ${id}` : undefined));
    if (clash) {
      return {
        ok: false as const,
        reason: 'slug-taken' as const,
        message: `Another market already has the address /${slug}/`,
      };
    }
    let marketId: number;
    if (id === null) {
      const [row] = await tx.insert(markets).values(values).returning({ id: markets.id });
      marketId = (row as { id: number }).id;
    } else {
      const [row] = await tx
        .update(markets)
        .set(values)
        .where(eq(markets.id, id))
        .returning({ id: markets.id });
      if (!row) return { ok: false as const, reason: 'not-found' as const, message: 'No such market' };
      marketId = row.id;
    }
    await setMarketSuppliers(tx, marketId, input.supplierIds);
    return { ok: true as const, id: marketId };
  });
}

/** Replaces the suppliers a market carries, and its product list with their products. */
async function setMarketSuppliers(db: DatabaseLike, marketId: number, supplierIds: readonly number[]) {
  const known = supplierIds.length
    ? (
        await db
          .select({ id: suppliers.id })
          .from(suppliers)
          .where(inArray(suppliers.id, [...supplierIds]))
      ).map((s) => s.id)
    : [];
  await db.delete(marketsSuppliers).where(eq(marketsSuppliers.marketId, marketId));
  if (known.length) {
    await db.insert(marketsSuppliers).values(known.map((supplierId) => ({ marketId, supplierId })));
  }
  // Products of suppliers no longer carried leave the market; those of carried ones join it.
  await db
    .delete(productsMarkets)
    .where(
      and(
        eq(productsMarkets.marketId, marketId),
        known.length
          ? notInArray(
              productsMarkets.productId,
              db.select({ id: products.id }).from(products).where(inArray(products.supplierId, known)),
            )
          : undefined,
      ),
    );
  if (known.length) {
    await db.execute(sql`
      insert into ${productsMarkets} (product_id, market_id)
      select ${products.id}, ${marketId}::int from ${products} where ${inArray(products.supplierId, known)}
      on conflict do nothing`);
  }
}

export async function listSuppliers(db: DatabaseLike) {
  return db
    .select({
      id: suppliers.id,
      slug: suppliers.slug,
      name: suppliers.name,
      website: suppliers.website,
      isActive: suppliers.isActive,
    })
    .from(suppliers)
    .orderBy(asc(suppliers.name));
}
