/**
 * Market demo content for `pnpm dev`: the Saturday Market (seeded in seed.ts) carries Hill Farm
 * and three more suppliers; a second market, the Riverside Evening Market, carries five; about
 * forty products over six categories, each with a small image shipped in
 * shared/static/img/market/. Products go in as a scrape would leave them (first price in the
 * price history, search documents refreshed) and count as already announced.
 */
import { eq, inArray, sql } from 'drizzle-orm';
import type { AppConfig } from '../config/index.ts';
import type { DatabaseLike } from '../db/client.ts';
import {
  categories,
  markets,
  marketsSuppliers,
  priceHistory,
  products,
  productsMarkets,
  suppliers,
} from '../db/schema/index.ts';
import { slugify } from '../services/market/scrape-store.ts';
import { probeSearch, refreshSearch } from '../services/market/search.ts';

type DemoProduct = [
  sku: string,
  name: string,
  supplier: string,
  category: string,
  pricePence: number,
  unit: string,
  stock: number | null,
  description: string,
];

const PRODUCTS: DemoProduct[] = [
  ['VD-001', 'Whole milk', 'Vale Dairy', 'Dairy', 125, '1 l', 40, 'Unhomogenised, from our Jersey herd.'],
  [
    'VD-002',
    'Salted butter',
    'Vale Dairy',
    'Dairy',
    320,
    '250 g',
    18,
    'Churned in small batches with sea salt.',
  ],
  ['VD-003', 'Natural yoghurt', 'Vale Dairy', 'Dairy', 210, '500 g', 12, 'Thick, tangy and live.'],
  ['VD-004', 'Vale cheddar', 'Vale Dairy', 'Dairy', 450, '250 g', 4, 'Cloth-bound and aged for a year.'],
  [
    'VD-005',
    "Soft goat's cheese",
    'Vale Dairy',
    'Dairy',
    380,
    '150 g',
    0,
    'Fresh and lemony; rolled in ash.',
  ],
  ['VD-006', 'Crème fraîche', 'Vale Dairy', 'Dairy', 195, '200 ml', 9, 'Cultured cream, rich and sharp.'],
  ['VD-007', 'Double cream', 'Vale Dairy', 'Dairy', 175, '300 ml', null, 'Thick enough to stand a spoon in.'],
  ['TB-001', 'White tin loaf', 'Town Bakery', 'Bakery', 280, 'each', null, 'Soft crumb, crisp crust.'],
  ['TB-002', 'Rye sourdough', 'Town Bakery', 'Bakery', 450, 'each', 6, 'Dense, dark and sour; keeps a week.'],
  ['TB-003', 'Croissants', 'Town Bakery', 'Bakery', 380, 'pack of 2', 10, 'Laminated with Vale butter.'],
  ['TB-004', 'Focaccia', 'Town Bakery', 'Bakery', 350, 'each', 5, 'Olive oil, rosemary and sea salt.'],
  ['TB-005', 'Oat biscuits', 'Town Bakery', 'Bakery', 260, 'pack of 8', 20, 'Crunchy, not too sweet.'],
  [
    'TB-006',
    'Seeded spelt loaf',
    'Town Bakery',
    'Bakery',
    420,
    'each',
    null,
    'Sunflower, pumpkin and linseed.',
  ],
  ['TB-007', 'Cinnamon knots', 'Town Bakery', 'Bakery', 300, 'each', 3, 'Cardamom dough, cinnamon butter.'],
  ['OF-001', 'Cox apples', 'Orchard Farm', 'Fruit', 320, 'per kg', 30, 'Crisp and aromatic.'],
  [
    'OF-002',
    'Bramley apples',
    'Orchard Farm',
    'Fruit',
    280,
    'per kg',
    25,
    'The cooking apple: for pies and sauce.',
  ],
  ['OF-003', 'Conference pears', 'Orchard Farm', 'Fruit', 300, 'per kg', 0, 'Ripen on the windowsill.'],
  [
    'OF-004',
    'Victoria plums',
    'Orchard Farm',
    'Fruit',
    350,
    '500 g',
    8,
    'Sweet and juicy, late summer only.',
  ],
  ['OF-005', 'Strawberries', 'Orchard Farm', 'Fruit', 400, '400 g', 2, 'Picked this morning.'],
  ['OF-006', 'Raspberries', 'Orchard Farm', 'Fruit', 450, '250 g', 7, 'Autumn-fruiting canes.'],
  ['OF-007', 'Rhubarb', 'Orchard Farm', 'Fruit', 220, 'bunch', 14, 'Forced stems, pink and tender.'],
  ['HF-020', 'Carrots', 'Hill Farm', 'Vegetables', 150, 'per kg', 50, 'Sweet, muddy, from the lower field.'],
  ['HF-021', 'Red onions', 'Hill Farm', 'Vegetables', 180, 'per kg', 35, 'Mild enough to eat raw.'],
  ['HF-022', 'Leeks', 'Hill Farm', 'Vegetables', 200, '3 leeks', 20, 'Trimmed and washed.'],
  [
    'HF-023',
    'Savoy cabbage',
    'Hill Farm',
    'Vegetables',
    170,
    'each',
    11,
    'Crinkled and sweet after a frost.',
  ],
  ['HF-024', 'Butternut squash', 'Hill Farm', 'Vegetables', 190, 'each', 0, 'Roast it in wedges.'],
  ['HF-025', 'Cherry tomatoes', 'Hill Farm', 'Vegetables', 280, '300 g', 16, 'A mix of red and yellow.'],
  ['HF-026', 'Salad leaves', 'Hill Farm', 'Vegetables', 220, '150 g', 4, 'Peppery mix with edible flowers.'],
  ['LL-001', 'Wildflower honey', 'Larder Lane', 'Larder', 650, '340 g jar', 15, 'From hives on the common.'],
  [
    'LL-002',
    'Strawberry jam',
    'Larder Lane',
    'Larder',
    380,
    '340 g jar',
    22,
    'Made with Orchard Farm berries.',
  ],
  ['LL-003', 'Tomato chutney', 'Larder Lane', 'Larder', 375, '300 g jar', 9, 'Slow-cooked, lightly spiced.'],
  ['LL-004', 'Rapeseed oil', 'Larder Lane', 'Larder', 690, '500 ml', 6, 'Cold-pressed on the farm.'],
  ['LL-005', 'Apple juice', 'Larder Lane', 'Larder', 300, '1 l', 30, 'Pressed from Cox and Bramley.'],
  ['LL-006', 'Elderflower cordial', 'Larder Lane', 'Larder', 450, '500 ml', 0, 'Dilute one to ten.'],
  ['LL-007', 'Piccalilli', 'Larder Lane', 'Larder', 395, '300 g jar', 3, 'Crunchy and mustardy.'],
  ['BG-001', 'Tulips', 'Bloom & Grow', 'Flowers', 800, 'bunch of 10', 12, 'Mixed colours, in bud.'],
  ['BG-002', 'Sweet peas', 'Bloom & Grow', 'Flowers', 600, 'bunch', 5, 'Scent a whole room.'],
  ['BG-003', 'Dahlias', 'Bloom & Grow', 'Flowers', 900, 'bunch of 7', 0, 'Cut at dawn.'],
  ['BG-004', 'Herb plants', 'Bloom & Grow', 'Flowers', 350, '9 cm pot', 25, 'Thyme, sage, rosemary or mint.'],
  ['BG-005', 'Dried lavender', 'Bloom & Grow', 'Flowers', 550, 'bunch', null, 'For drawers and pillows.'],
];

const SUPPLIERS = ['Vale Dairy', 'Town Bakery', 'Orchard Farm', 'Larder Lane', 'Bloom & Grow'];
const CATEGORIES = ['Vegetables', 'Fruit', 'Dairy', 'Bakery', 'Larder', 'Flowers'];
const CARRIED: Record<string, string[]> = {
  'saturday-market': ['Hill Farm', 'Orchard Farm', 'Town Bakery', 'Vale Dairy'],
  'riverside-evening-market': ['Vale Dairy', 'Town Bakery', 'Orchard Farm', 'Larder Lane', 'Bloom & Grow'],
};
const image = (sku: string) => `/static/img/market/${sku.toLowerCase()}.png`;

/** Seeds the market demo inside the demo seed's transaction (after seed.ts made its market). */
export async function seedMarketDemo(tx: DatabaseLike, config: AppConfig): Promise<void> {
  const currency = config.site.currency;
  await tx
    .update(markets)
    .set({ openingTimes: 'Saturdays 9:00–13:00', sortOrder: 0 })
    .where(eq(markets.slug, 'saturday-market'));
  await tx.insert(markets).values({
    slug: 'riverside-evening-market',
    name: 'Riverside Evening Market',
    location: 'The Quay',
    description: 'Cheese, bread, flowers and the larder, by the river after work.',
    openingTimes: 'Thursdays 16:00–20:00',
    sortOrder: 1,
  });
  await tx
    .insert(suppliers)
    .values(SUPPLIERS.map((name) => ({ slug: slugify(name), name })))
    .onConflictDoNothing();
  await tx
    .insert(categories)
    .values(CATEGORIES.map((name, i) => ({ slug: slugify(name), name, sortOrder: i })))
    .onConflictDoNothing();
  await tx.update(categories).set({
    sortOrder: sql`case ${categories.slug} ${sql.join(
      CATEGORIES.map((name, i) => sql`when ${slugify(name)} then ${i}`),
      sql` `,
    )} else ${categories.sortOrder} end`,
  });
  const supplierIds = new Map(
    (await tx.select({ id: suppliers.id, name: suppliers.name }).from(suppliers)).map((s) => [s.name, s.id]),
  );
  const categoryIds = new Map(
    (await tx.select({ id: categories.id, name: categories.name }).from(categories)).map((c) => [
      c.name,
      c.id,
    ]),
  );

  // Hill Farm's products from seed.ts get their pictures.
  for (const sku of ['HF-001', 'HF-002', 'HF-003', 'HF-010', 'HF-011']) {
    await tx
      .update(products)
      .set({ imageUrl: image(sku), images: [image(sku)] })
      .where(eq(products.sku, sku));
  }
  const now = Date.now();
  const inserted = await tx
    .insert(products)
    .values(
      PRODUCTS.map(([sku, name, supplier, category, pricePence, unit, stock, description], i) => ({
        supplierId: supplierIds.get(supplier) as number,
        sku,
        slug: slugify(name),
        name,
        description,
        pricePence,
        currency,
        unit,
        stockQuantity: stock,
        imageUrl: image(sku),
        images: [image(sku)],
        categoryId: categoryIds.get(category) ?? null,
        firstSeenAt: new Date(now - (PRODUCTS.length - i) * 3_600_000),
        // Demo products are not news to the fediverse.
        announcedAt: new Date(now),
      })),
    )
    .returning({ id: products.id, pricePence: products.pricePence });
  await tx
    .insert(priceHistory)
    .values(inserted.map((p) => ({ productId: p.id, pricePence: p.pricePence, currency })));

  for (const [slug, carried] of Object.entries(CARRIED)) {
    const [market] = await tx.select({ id: markets.id }).from(markets).where(eq(markets.slug, slug));
    if (!market) continue;
    const ids = carried.map((name) => supplierIds.get(name)).filter((id): id is number => id !== undefined);
    await tx
      .insert(marketsSuppliers)
      .values(ids.map((supplierId) => ({ marketId: market.id, supplierId })))
      .onConflictDoNothing();
    const theirs = await tx
      .select({ id: products.id })
      .from(products)
      .where(inArray(products.supplierId, ids));
    await tx
      .insert(productsMarkets)
      .values(theirs.map((p) => ({ productId: p.id, marketId: market.id })))
      .onConflictDoNothing();
  }
  await refreshSearch(tx, await probeSearch(tx), sql`true`);
}
