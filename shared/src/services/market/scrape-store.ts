/**
 * Where a scrape run lands: the run record, the upsert of what it read by (supplier, SKU),
 * price history, deactivation of what a complete run did not see, and the announcement of
 * new products. All of a run's product writes happen in one transaction, so a run either
 * applies whole or not at all; a failed run changes no product.
 */
import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { AppConfig } from '../../config/index.ts';
import type { ScrapedItemDto, ScrapeErrorDto, ScrapeOutcomeDto } from '../../contracts/dtos.ts';
import type { FederationService } from '../../contracts/protocols.ts';
import type { Database, DatabaseLike } from '../../db/client.ts';
import {
  categories,
  marketsSuppliers,
  priceHistory,
  products,
  productsMarkets,
  type ScrapeRun,
  type ScrapeRunTrigger,
  scrapeRuns,
  suppliers,
} from '../../db/schema/index.ts';
import { type AnnouncedProduct, announceNewProducts } from './announcements.ts';
import { refreshSearch, type SearchSetup } from './search.ts';

/** Errors kept on a run (the first ones; the count of failed items says how many there were). */
export const MAX_RUN_ERRORS = 50;
/** A run still "running" after this long was abandoned (its process died). */
const ABANDONED_AFTER_MINUTES = 60;

export interface ScrapeStoreDeps {
  db: Database;
  config: AppConfig;
  setup: () => Promise<SearchSetup>;
  federation: FederationService | null;
}

/** What a finished run changed, for purging the caches that show it. */
export interface AppliedRun {
  run: ScrapeRun;
  changed: { slug: string; sku: string }[];
}

export async function ensureSupplier(
  db: DatabaseLike,
  input: { slug: string; name: string; website: string | null },
) {
  const [row] = await db
    .insert(suppliers)
    .values(input)
    .onConflictDoUpdate({
      target: suppliers.slug,
      set: { name: input.name, website: input.website },
      // Only touch the row (and updated_at) when something changed.
      setWhere: sql`${suppliers.name} is distinct from excluded.name or ${suppliers.website} is distinct from excluded.website`,
    })
    .returning();
  if (row) return row;
  const [existing] = await db.select().from(suppliers).where(eq(suppliers.slug, input.slug));
  return existing as NonNullable<typeof existing>;
}

export async function startRun(
  db: DatabaseLike,
  supplierId: number,
  trigger: ScrapeRunTrigger,
): Promise<number> {
  // A run left "running" by a process that died is closed first, so the history stays honest.
  await db
    .update(scrapeRuns)
    .set({
      status: 'failed',
      finishedAt: new Date(),
      errors: [{ message: 'abandoned: the process running it stopped before it finished' }],
    })
    .where(
      and(
        eq(scrapeRuns.supplierId, supplierId),
        eq(scrapeRuns.status, 'running'),
        lt(scrapeRuns.startedAt, sql`now() - make_interval(mins => ${ABANDONED_AFTER_MINUTES})`),
      ),
    );
  const [run] = await db.insert(scrapeRuns).values({ supplierId, trigger }).returning({ id: scrapeRuns.id });
  return (run as { id: number }).id;
}

export async function finishRun(
  deps: ScrapeStoreDeps,
  runId: number,
  outcome: ScrapeOutcomeDto,
): Promise<AppliedRun> {
  const errors = outcome.errors.slice(0, MAX_RUN_ERRORS).map(plainError);
  if (outcome.status === 'failed') {
    const [run] = await deps.db
      .update(scrapeRuns)
      .set({ status: 'failed', finishedAt: new Date(), complete: false, failed: outcome.failed, errors })
      .where(and(eq(scrapeRuns.id, runId), eq(scrapeRuns.status, 'running')))
      .returning();
    return { run: run ?? (await loadRun(deps.db, runId)), changed: [] };
  }
  const setup = await deps.setup();
  return deps.db.transaction(async (tx) => {
    const [run] = await tx.select().from(scrapeRuns).where(eq(scrapeRuns.id, runId)).for('update');
    if (!run) throw new Error(`no scrape run ${runId}`);
    if (run.status !== 'running') return { run, changed: [] };
    // One run per supplier applies at a time.
    const [supplier] = await tx
      .select()
      .from(suppliers)
      .where(eq(suppliers.id, run.supplierId))
      .for('update');
    if (!supplier) throw new Error(`no supplier ${run.supplierId}`);

    const existing = await tx.select().from(products).where(eq(products.supplierId, supplier.id));
    const bySku = new Map(existing.map((p) => [p.sku, p]));
    const marketIds = (
      await tx
        .select({ id: marketsSuppliers.marketId })
        .from(marketsSuppliers)
        .where(eq(marketsSuppliers.supplierId, supplier.id))
    ).map((r) => r.id);
    const categoryIds = await resolveCategories(
      tx,
      outcome.items.map((i) => i.category),
    );
    const currency = deps.config.site.currency;
    const now = new Date();
    const counts = { created: 0, updated: 0, unchanged: 0 };
    const touched: number[] = [];
    const changed: { slug: string; sku: string }[] = [];
    const created: AnnouncedProduct[] = [];
    const createdIds: number[] = [];

    for (const item of outcome.items) {
      const categoryId = item.category ? (categoryIds.get(item.category.toLowerCase()) ?? null) : null;
      const before = bySku.get(item.sku);
      if (!before) {
        const slug = await uniqueSlug(tx, item.name, item.sku);
        const [row] = await tx
          .insert(products)
          .values({
            supplierId: supplier.id,
            sku: item.sku,
            slug,
            name: item.name,
            description: item.description,
            pricePence: item.pricePence,
            currency,
            unit: item.unit,
            imageUrl: item.images[0] ?? null,
            images: [...item.images],
            sourceUrl: item.sourceUrl,
            stockQuantity: item.stockQuantity ?? null,
            categoryId,
            firstSeenAt: now,
            lastSeenAt: now,
          })
          .returning();
        const product = row as NonNullable<typeof row>;
        await tx
          .insert(priceHistory)
          .values({ productId: product.id, pricePence: item.pricePence, currency, scrapeRunId: runId });
        if (marketIds.length) {
          await tx
            .insert(productsMarkets)
            .values(marketIds.map((marketId) => ({ productId: product.id, marketId })))
            .onConflictDoNothing();
        }
        bySku.set(item.sku, product);
        counts.created += 1;
        touched.push(product.id);
        changed.push({ slug: product.slug, sku: product.sku });
        createdIds.push(product.id);
        created.push(product);
        continue;
      }
      const update = changesOf(before, item, categoryId);
      if (Object.keys(update).length === 0) {
        counts.unchanged += 1;
        await tx.update(products).set({ lastSeenAt: now }).where(eq(products.id, before.id));
        continue;
      }
      await tx
        .update(products)
        .set({ ...update, lastSeenAt: now })
        .where(eq(products.id, before.id));
      if (update.pricePence !== undefined) {
        await tx
          .insert(priceHistory)
          .values({ productId: before.id, pricePence: item.pricePence, currency, scrapeRunId: runId });
      }
      counts.updated += 1;
      touched.push(before.id);
      changed.push({ slug: before.slug, sku: before.sku });
    }

    // Only a run that read every listing page may take products offline; never delete them.
    let deactivated = 0;
    if (outcome.complete) {
      // Every product this run saw has last_seen_at = now; the others were not in the catalogue.
      const gone = await tx
        .update(products)
        .set({ isActive: false })
        .where(
          and(
            eq(products.supplierId, supplier.id),
            eq(products.isActive, true),
            lt(products.lastSeenAt, now),
          ),
        )
        .returning({ slug: products.slug, sku: products.sku });
      deactivated = gone.length;
      changed.push(...gone);
    }

    if (touched.length) await refreshSearch(tx, setup, inArray(products.id, touched));
    if (created.length && deps.federation) {
      await announceNewProducts(
        { db: tx, config: deps.config, federation: deps.federation },
        { id: runId, supplierName: supplier.name },
        created,
      );
      await tx.update(products).set({ announcedAt: now }).where(inArray(products.id, createdIds));
    }

    const [finished] = await tx
      .update(scrapeRuns)
      .set({
        status: 'succeeded',
        finishedAt: new Date(),
        complete: outcome.complete,
        ...counts,
        deactivated,
        failed: outcome.failed,
        errors,
      })
      .where(eq(scrapeRuns.id, runId))
      .returning();
    return { run: finished as ScrapeRun, changed };
  });
}

/** The columns an item changes on its product (empty when it is the same as last time). */
function changesOf(
  before: typeof products.$inferSelect,
  item: ScrapedItemDto,
  categoryId: number | null,
): Partial<typeof products.$inferInsert> {
  const update: Partial<typeof products.$inferInsert> = {};
  if (before.name !== item.name) update.name = item.name;
  if (item.description !== null && before.description !== item.description)
    update.description = item.description;
  if (before.pricePence !== item.pricePence) update.pricePence = item.pricePence;
  if (before.unit !== item.unit) update.unit = item.unit;
  // An item whose images could not be fetched this time keeps the ones it has.
  if (item.images.length && JSON.stringify(before.images) !== JSON.stringify(item.images)) {
    update.images = [...item.images];
    update.imageUrl = item.images[0] ?? null;
  }
  if (item.sourceUrl !== null && before.sourceUrl !== item.sourceUrl) update.sourceUrl = item.sourceUrl;
  if (categoryId !== null && before.categoryId !== categoryId) update.categoryId = categoryId;
  if (item.stockQuantity !== undefined && before.stockQuantity !== item.stockQuantity)
    update.stockQuantity = item.stockQuantity;
  if (!before.isActive) update.isActive = true;
  return update;
}

/** Category ids by lower-case name, creating the categories a catalogue names for the first time. */
async function resolveCategories(
  db: DatabaseLike,
  names: readonly (string | null)[],
): Promise<Map<string, number>> {
  const wanted = [...new Set(names.filter((n): n is string => !!n?.trim()).map((n) => n.trim()))];
  const out = new Map<string, number>();
  if (!wanted.length) return out;
  const all = await db
    .select({ id: categories.id, slug: categories.slug, name: categories.name })
    .from(categories);
  for (const name of wanted) {
    const key = name.toLowerCase();
    if (out.has(key)) continue;
    const found = all.find((c) => c.name.toLowerCase() === key || c.slug === slugify(name));
    if (found) {
      out.set(key, found.id);
      continue;
    }
    const slug = slugify(name) || `category-${all.length + out.size + 1}`;
    const [row] = await db
      .insert(categories)
      .values({ slug, name })
      .onConflictDoNothing()
      .returning({ id: categories.id });
    const id =
      row?.id ??
      (await db.select({ id: categories.id }).from(categories).where(eq(categories.slug, slug)))[0]?.id;
    if (id) out.set(key, id);
  }
  return out;
}

/** A new product's slug from its name; the SKU (then a number) makes it unique. Never changes later. */
async function uniqueSlug(db: DatabaseLike, name: string, sku: string): Promise<string> {
  const base = slugify(name).slice(0, 80) || 'product';
  const candidates = [base, `${base}-${slugify(sku)}`.slice(0, 120)];
  for (let n = 2; n < 50; n++) candidates.push(`${candidates[1]}-${n}`);
  const taken = new Set(
    (await db.select({ slug: products.slug }).from(products).where(inArray(products.slug, candidates))).map(
      (r) => r.slug,
    ),
  );
  return candidates.find((c) => !taken.has(c)) ?? `${base}-${Date.now().toString(36)}`;
}

/** Lower-case ASCII letters, digits and hyphens (accents folded). */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function plainError(e: ScrapeErrorDto) {
  return {
    message: e.message.slice(0, 500),
    ...(e.url ? { url: e.url.slice(0, 2_000) } : {}),
    ...(e.sku ? { sku: e.sku.slice(0, 100) } : {}),
  };
}

async function loadRun(db: DatabaseLike, runId: number): Promise<ScrapeRun> {
  const [run] = await db.select().from(scrapeRuns).where(eq(scrapeRuns.id, runId));
  if (!run) throw new Error(`no scrape run ${runId}`);
  return run;
}

export async function listRuns(
  db: DatabaseLike,
  opts: { limit: number; supplierSlug?: string; runId?: number },
) {
  return db
    .select({ run: scrapeRuns, supplier: { slug: suppliers.slug, name: suppliers.name } })
    .from(scrapeRuns)
    .innerJoin(suppliers, eq(suppliers.id, scrapeRuns.supplierId))
    .where(
      and(
        opts.supplierSlug ? eq(suppliers.slug, opts.supplierSlug) : undefined,
        opts.runId ? eq(scrapeRuns.id, opts.runId) : undefined,
      ),
    )
    .orderBy(desc(scrapeRuns.startedAt), desc(scrapeRuns.id))
    .limit(opts.limit);
}
