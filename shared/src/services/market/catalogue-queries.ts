/**
 * What shoppers see: product listings (a market, a category, a search), product pages, related
 * products, product cards and the sitemap. Listings show active products only; a product page
 * is found whether or not the product is still for sale.
 */
import { and, asc, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { ProductSortDto } from '../../contracts/dtos.ts';
import type { DatabaseLike } from '../../db/client.ts';
import { categories, markets, marketsSuppliers, products, suppliers } from '../../db/schema/index.ts';
import { buildTsquery, headline, type SearchSetup } from './search.ts';

export interface ProductSummary {
  id: number;
  sku: string;
  slug: string;
  name: string;
  pricePence: number;
  currency: string;
  unit: string | null;
  imageUrl: string | null;
  stockQuantity: number | null;
  isActive: boolean;
  supplierName: string;
  category: { slug: string; name: string } | null;
  nameHtml: string | null;
  snippetHtml: string | null;
}

const summaryColumns = {
  id: products.id,
  sku: products.sku,
  slug: products.slug,
  name: products.name,
  pricePence: products.pricePence,
  currency: products.currency,
  unit: products.unit,
  imageUrl: products.imageUrl,
  stockQuantity: products.stockQuantity,
  isActive: products.isActive,
  supplierName: suppliers.name,
  categorySlug: categories.slug,
  categoryName: categories.name,
};

type SummaryRow = {
  [K in keyof typeof summaryColumns]: (typeof summaryColumns)[K]['_']['data'] | null;
} & { nameHtml?: string | null; snippetHtml?: string | null };

function toSummary(r: SummaryRow): ProductSummary {
  return {
    id: r.id as number,
    sku: r.sku as string,
    slug: r.slug as string,
    name: r.name as string,
    pricePence: r.pricePence as number,
    currency: r.currency as string,
    unit: r.unit,
    imageUrl: r.imageUrl,
    stockQuantity: r.stockQuantity,
    isActive: r.isActive as boolean,
    supplierName: r.supplierName as string,
    category: r.categorySlug ? { slug: r.categorySlug, name: r.categoryName as string } : null,
    nameHtml: r.nameHtml ?? null,
    snippetHtml: r.snippetHtml ?? null,
  };
}

/**
 * Products a market carries: those of the suppliers it carries, given as their ids (read first,
 * with `marketSupplierIds`). A constant list lets the planner take the text index's few rows and
 * filter them, rather than re-scanning the index once per supplier.
 */
const inMarket = (supplierIds: readonly number[]) =>
  supplierIds.length ? inArray(products.supplierId, [...supplierIds]) : sql`false`;

/** The suppliers a market carries. */
export async function marketSupplierIds(db: DatabaseLike, marketId: number): Promise<number[]> {
  const rows = await db
    .select({ id: marketsSuppliers.supplierId })
    .from(marketsSuppliers)
    .where(eq(marketsSuppliers.marketId, marketId));
  return rows.map((r) => r.id);
}

export interface ListOptions {
  /** The market's suppliers (`marketSupplierIds`); absent: every market. */
  supplierIds?: readonly number[];
  categoryId?: number;
  q?: string;
  sort?: ProductSortDto;
  page?: number;
  perPage: number;
}

export async function listProducts(db: DatabaseLike, setup: SearchSetup, options: ListOptions) {
  const perPage = options.perPage;
  const page = Math.max(1, options.page ?? 1);
  const tsquery = options.q ? await buildTsquery(db, setup, options.q) : null;
  const match = tsquery ? sql`${products.search} @@ ${tsquery}::tsquery` : undefined;
  // An empty query that had text (only punctuation or stop words) matches nothing.
  const nothing = options.q?.trim() && !tsquery ? sql`false` : undefined;
  const base = [
    eq(products.isActive, true),
    options.supplierIds ? inMarket(options.supplierIds) : undefined,
    match,
    nothing,
  ];
  const where = and(...base, options.categoryId ? eq(products.categoryId, options.categoryId) : undefined);

  const sort: ProductSortDto =
    options.sort === 'relevance' || options.sort === undefined
      ? tsquery
        ? 'relevance'
        : 'name'
      : options.sort;
  const byName = [asc(sql`lower(${products.name})`), asc(products.id)];
  const order: SQL[] = {
    relevance: [sql`ts_rank_cd(${products.search}, ${tsquery ?? ''}::tsquery) desc`, ...byName],
    name: byName,
    'price-asc': [asc(products.pricePence), ...byName],
    'price-desc': [desc(products.pricePence), ...byName],
    newest: [desc(products.firstSeenAt), desc(products.id)],
  }[sort];

  const [totalRows, rowsFound, counts] = await Promise.all([
    db.select({ n: sql<number>`count(*)::int` }).from(products).where(where),
    db
      .select({
        ...summaryColumns,
        ...(tsquery
          ? {
              nameHtml: headline(setup, sql`${products.name}`, tsquery, 'HighlightAll=true'),
              snippetHtml: headline(
                setup,
                sql`${products.description}`,
                tsquery,
                'MaxWords=24, MinWords=10, MaxFragments=1',
              ),
            }
          : {}),
      })
      .from(products)
      .innerJoin(suppliers, eq(suppliers.id, products.supplierId))
      .leftJoin(categories, eq(categories.id, products.categoryId))
      .where(where)
      .orderBy(...order)
      .limit(perPage)
      .offset((page - 1) * perPage),
    db
      .select({ slug: categories.slug, name: categories.name, count: sql<number>`count(*)::int` })
      .from(products)
      .innerJoin(categories, eq(categories.id, products.categoryId))
      .where(and(...base))
      .groupBy(categories.id, categories.slug, categories.name, categories.sortOrder)
      .orderBy(asc(categories.sortOrder), asc(categories.name)),
  ]);
  const total = totalRows[0]?.n ?? 0;
  return {
    items: rowsFound.map((r) => toSummary(r as SummaryRow)),
    page,
    pages: Math.max(1, Math.ceil(total / perPage)),
    total,
    categories: counts,
    sort,
    searched: tsquery !== null,
  };
}

export async function getProductBySlug(db: DatabaseLike, slug: string) {
  const [row] = await db
    .select({
      product: products,
      supplier: { slug: suppliers.slug, name: suppliers.name, website: suppliers.website },
      category: { id: categories.id, slug: categories.slug, name: categories.name },
    })
    .from(products)
    .innerJoin(suppliers, eq(suppliers.id, products.supplierId))
    .leftJoin(categories, eq(categories.id, products.categoryId))
    .where(eq(products.slug, slug))
    .limit(1);
  if (!row) return null;
  const marketRows = await db
    .select({ slug: markets.slug, name: markets.name })
    .from(marketsSuppliers)
    .innerJoin(markets, eq(markets.id, marketsSuppliers.marketId))
    .where(eq(marketsSuppliers.supplierId, row.product.supplierId))
    .orderBy(asc(markets.sortOrder), asc(markets.name));
  const p = row.product;
  return {
    id: p.id,
    sku: p.sku,
    slug: p.slug,
    name: p.name,
    description: p.description,
    pricePence: p.pricePence,
    currency: p.currency,
    unit: p.unit,
    imageUrl: p.imageUrl,
    images: p.images.length ? p.images : p.imageUrl ? [p.imageUrl] : [],
    stockQuantity: p.stockQuantity,
    isActive: p.isActive,
    supplier: row.supplier,
    category: row.category?.id ? row.category : null,
    markets: marketRows,
    firstSeenAt: p.firstSeenAt,
    updatedAt: p.updatedAt,
  };
}

export async function listRelated(db: DatabaseLike, productId: number, limit: number) {
  const [self] = await db
    .select({ categoryId: products.categoryId, supplierId: products.supplierId })
    .from(products)
    .where(eq(products.id, productId));
  if (!self) return [];
  const same = self.categoryId
    ? eq(products.categoryId, self.categoryId)
    : eq(products.supplierId, self.supplierId);
  const found = await db
    .select(summaryColumns)
    .from(products)
    .innerJoin(suppliers, eq(suppliers.id, products.supplierId))
    .leftJoin(categories, eq(categories.id, products.categoryId))
    .where(and(eq(products.isActive, true), same, sql`${products.id} <> ${productId}`))
    .orderBy(desc(products.firstSeenAt), desc(products.id))
    .limit(limit);
  return found.map((r) => toSummary(r as SummaryRow));
}

/** Cards for SKUs (in the order asked; an active product wins a shared SKU) or a market's first products. */
export async function productCards(
  db: DatabaseLike,
  query:
    | { skus: readonly string[] }
    | { slugs: readonly string[] }
    | { supplierIds: readonly number[]; limit: number },
) {
  const select = () =>
    db
      .select(summaryColumns)
      .from(products)
      .innerJoin(suppliers, eq(suppliers.id, products.supplierId))
      .leftJoin(categories, eq(categories.id, products.categoryId));
  // By SKU or by slug (a post links to /p/<slug>/): in the order asked, each at most once.
  if ('skus' in query || 'slugs' in query) {
    const [column, wanted, keyOf] =
      'skus' in query
        ? ([products.sku, [...new Set(query.skus)], (p: ProductSummary) => p.sku] as const)
        : ([products.slug, [...new Set(query.slugs)], (p: ProductSummary) => p.slug] as const);
    if (!wanted.length) return [];
    const found = (
      await select().where(inArray(column, wanted)).orderBy(desc(products.isActive), asc(products.id))
    ).map((r) => toSummary(r as SummaryRow));
    return wanted
      .map((key) => found.find((p) => keyOf(p) === key))
      .filter((p): p is ProductSummary => p !== undefined);
  }
  const found = await select()
    .where(and(eq(products.isActive, true), inMarket(query.supplierIds)))
    .orderBy(asc(sql`lower(${products.name})`), asc(products.id))
    .limit(query.limit);
  return found.map((r) => toSummary(r as SummaryRow));
}

export async function sitemapEntries(db: DatabaseLike) {
  const [marketRows, categoryRows, productRows] = await Promise.all([
    db
      .select({ slug: markets.slug, updatedAt: markets.updatedAt })
      .from(markets)
      .orderBy(asc(markets.sortOrder), asc(markets.name)),
    db
      .selectDistinct({ market: markets.slug, category: categories.slug })
      .from(marketsSuppliers)
      .innerJoin(markets, eq(markets.id, marketsSuppliers.marketId))
      .innerJoin(products, eq(products.supplierId, marketsSuppliers.supplierId))
      .innerJoin(categories, eq(categories.id, products.categoryId))
      .where(eq(products.isActive, true))
      .orderBy(asc(markets.slug), asc(categories.slug)),
    db
      .select({ slug: products.slug, updatedAt: products.updatedAt })
      .from(products)
      .orderBy(asc(products.id))
      .limit(50_000),
  ]);
  return { markets: marketRows, categories: categoryRows, products: productRows };
}
