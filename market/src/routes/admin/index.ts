import { MarketInputDto } from '@rose-ash/shared/contracts/dtos.ts';
import { IdParams } from '@rose-ash/shared/contracts/http.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { requireAdmin } from '@rose-ash/shared/infrastructure/sessions.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

/** Checkboxes arrive as one value or several; none checked sends nothing. */
const supplierIdsField = z.preprocess(
  (v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]),
  z.array(z.coerce.number().int().positive().max(2_147_483_647)).max(500),
);
const MarketForm = MarketInputDto.extend({
  _csrf: z.string().max(200).optional(),
  supplierIds: supplierIdsField,
});
const RunForm = z.object({
  _csrf: z.string().max(200).optional(),
  supplier: z.string().regex(/^[a-z0-9][a-z0-9-]{0,60}$/, 'not a supplier'),
});
const SavedQuery = z.object({ saved: z.literal('1').optional() });
const ScrapesQuery = z.object({
  queued: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,60}$/)
    .optional(),
});

/** Checked supplier ids as typed (for showing the form again). */
function typedSupplierIds(body: unknown): number[] {
  const raw =
    (body && typeof body === 'object' ? (body as Record<string, unknown>)['supplierIds'] : undefined) ?? [];
  return (Array.isArray(raw) ? raw : [raw]).map(Number).filter((n) => Number.isInteger(n) && n > 0);
}

/** The market admin: markets and the suppliers they carry, and the scrapers' runs with "run now". */
const adminRoutes: RoutePlugin = async (app) => {
  const market = app.services.market;

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/admin')) reply.header('cache-control', 'private, no-store');
  });

  const formContext = async (request: FastifyRequest, id: number | null) => ({
    title: id ? 'Edit market' : 'New market',
    id,
    suppliers: await market.listSuppliers(),
    checked: typedSupplierIds(request.body),
  });

  app.get('/admin', { onRequest: requireAdmin }, async (_request, reply) =>
    reply.redirect('/admin/markets', 303),
  );

  app.get(
    '/admin/markets',
    { onRequest: requireAdmin, schema: { querystring: SavedQuery } },
    async (request, reply) =>
      reply.view('admin/markets.njk', {
        title: 'Markets',
        markets: await market.listMarketsForAdmin(),
        saved: request.query.saved === '1',
      }),
  );

  app.get('/admin/markets/new', { onRequest: requireAdmin }, async (request, reply) =>
    reply.view('admin/market-form.njk', {
      ...(await formContext(request, null)),
      values: { sortOrder: '0' },
    }),
  );

  app.get(
    '/admin/markets/:id',
    { onRequest: requireAdmin, schema: { params: IdParams, querystring: SavedQuery } },
    async (request, reply) => {
      const found = await market.getMarketForAdmin(request.params.id);
      if (!found) throw new AppError('MARKET_NOT_FOUND');
      return reply.view('admin/market-form.njk', {
        ...(await formContext(request, found.id)),
        values: {
          name: found.name,
          slug: found.slug,
          location: found.location ?? '',
          description: found.description ?? '',
          openingTimes: found.openingTimes ?? '',
          sortOrder: String(found.sortOrder),
        },
        checked: found.supplierIds,
        market: found,
        saved: request.query.saved === '1',
      });
    },
  );

  const save = (id: number | null) => async (request: FastifyRequest, reply: FastifyReply) => {
    const { _csrf, ...input } = request.body as z.infer<typeof MarketForm>;
    const result = await market.saveMarket(id, input);
    if (result.ok) return reply.redirect(`/admin/markets/${result.market.id}?saved=1`, 303);
    if (result.reason === 'not-found') throw new AppError('MARKET_NOT_FOUND');
    return reply.code(409).view('admin/market-form.njk', {
      ...(await formContext(request, id)),
      values: request.body,
      errors: { slug: result.message },
      error: result.message,
    });
  };

  app.post(
    '/admin/markets',
    {
      onRequest: requireAdmin,
      preValidation: app.csrfProtection,
      schema: { body: MarketForm },
      config: { form: { view: 'admin/market-form.njk', context: (request) => formContext(request, null) } },
    },
    save(null),
  );

  app.post(
    '/admin/markets/:id',
    {
      onRequest: requireAdmin,
      preValidation: app.csrfProtection,
      schema: { params: IdParams, body: MarketForm },
      config: {
        form: {
          view: 'admin/market-form.njk',
          context: (request) => formContext(request, (request.params as { id: number }).id),
        },
      },
    },
    async (request, reply) => save(request.params.id)(request, reply),
  );

  app.get(
    '/admin/scrapes',
    { onRequest: requireAdmin, schema: { querystring: ScrapesQuery } },
    async (request, reply) => {
      const runs = await market.listScrapeRuns({ limit: 30 });
      const lastErrors = runs.find((r) => r.errors.length > 0) ?? null;
      return reply.view('admin/scrapes.njk', {
        title: 'Scrapes',
        scrapers: app.scrapers.names.map((slug) => ({
          slug,
          name: app.scrapers.settingsOf(slug)?.name ?? slug,
          last: runs.find((r) => r.supplier.slug === slug) ?? null,
        })),
        runs,
        last_errors: lastErrors,
        running: runs.some((r) => r.status === 'running'),
        queued: request.query.queued,
      });
    },
  );

  app.post(
    '/admin/scrapes/run',
    { onRequest: requireAdmin, preValidation: app.csrfProtection, schema: { body: RunForm } },
    async (request, reply) => {
      const { supplier } = request.body;
      if (!app.scrapers.settingsOf(supplier)) throw new AppError('MARKET_SCRAPER_UNKNOWN');
      // One queued or running scrape per supplier: pressing twice does not scrape twice.
      await app.jobs.send('market.scrape', { supplier, trigger: 'admin' });
      return reply.redirect(`/admin/scrapes?queued=${supplier}`, 303);
    },
  );
};

export default adminRoutes;
