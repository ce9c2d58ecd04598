import type { NavItemDto } from '@rose-ash/shared/contracts/dtos.ts';
import { IdParams } from '@rose-ash/shared/contracts/http.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { requireAdmin } from '@rose-ash/shared/infrastructure/sessions.ts';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';

/** Rows the navigation form offers per menu (filled rows plus blanks to add items). */
const FORM_ROWS = 8;
const MENUS = ['primary', 'secondary'] as const;

const navItem = z.object({
  label: z.string().trim().min(1, 'Every item needs a label').max(60, 'Labels are at most 60 characters'),
  url: z
    .string()
    .trim()
    .min(1, 'Every item needs a link')
    .max(500)
    .refine((u) => u.startsWith('/') || u.startsWith('#') || /^https?:\/\/[^\s]+$/.test(u), {
      message: 'Links must start with /, # or http(s)://',
    }),
});

/** The rows as typed (for showing the form again). */
function typedMenus(body: unknown) {
  const values = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const field = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : '');
  return Object.fromEntries(
    MENUS.map((menu) => [
      menu,
      Array.from({ length: FORM_ROWS }, (_, i) => ({
        label: field(`${menu}_label_${i}`),
        url: field(`${menu}_url_${i}`),
      })),
    ]),
  ) as Record<(typeof MENUS)[number], { label: string; url: string }[]>;
}

/**
 * The navigation form: `<menu>_label_<n>` / `<menu>_url_<n>` pairs. Empty rows are dropped;
 * a half-filled or bad row is a field error naming the row.
 */
const NavigationForm = z
  .object({ _csrf: z.string().max(200).optional() })
  .catchall(z.string().max(2_000))
  .transform((body, ctx) => {
    const menus: Record<(typeof MENUS)[number], NavItemDto[]> = { primary: [], secondary: [] };
    for (const menu of MENUS) {
      typedMenus(body)[menu].forEach((row, i) => {
        if (!row.label.trim() && !row.url.trim()) return;
        const item = navItem.safeParse(row);
        if (item.success) menus[menu].push(item.data);
        else {
          ctx.addIssue({
            code: 'custom',
            path: [`${menu === 'primary' ? 'Primary' : 'Secondary'} item ${i + 1}`],
            message: item.error.issues[0]?.message ?? 'is not valid',
          });
        }
      });
    }
    return menus;
  });

const SyncForm = z.object({
  _csrf: z.string().max(200).optional(),
  kind: z.enum(['full', 'incremental']).default('full'),
});
const SyncPageQuery = z.object({
  done: z.enum(['full', 'incremental']).optional(),
  failed: z.literal('1').optional(),
  delivery: z.enum(['retried', 'discarded', 'gone']).optional(),
});
const DeliveryForm = z.object({
  _csrf: z.string().max(200).optional(),
  action: z.enum(['retry', 'discard']),
});
const SavedQuery = z.object({ saved: z.literal('1').optional() });

/** Admin pages for site settings the blog owns: navigation menus and Ghost sync status. */
const siteAdminRoutes: RoutePlugin = async (app) => {
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'private, no-store');
  });

  app.get(
    '/admin/navigation',
    { onRequest: requireAdmin, schema: { querystring: SavedQuery } },
    async (request, reply) => {
      const menus = await app.services.blog.getMenus();
      return reply.view('admin/navigation.njk', {
        title: 'Navigation',
        menus,
        rows: FORM_ROWS,
        saved: request.query.saved === '1',
      });
    },
  );

  app.post(
    '/admin/navigation',
    {
      onRequest: requireAdmin,
      preValidation: app.csrfProtection,
      schema: { body: NavigationForm },
      config: {
        form: {
          view: 'admin/navigation.njk',
          context: (request: FastifyRequest) => ({
            title: 'Navigation',
            rows: FORM_ROWS,
            menus: typedMenus(request.body),
          }),
        },
      },
    },
    async (request, reply) => {
      await app.services.blog.saveMenus(request.body);
      return reply.redirect('/admin/navigation?saved=1', 303);
    },
  );

  app.get(
    '/admin/sync',
    { onRequest: requireAdmin, schema: { querystring: SyncPageQuery } },
    async (request, reply) => {
      const status = await app.services.blog.getSyncStatus();
      return reply.view('admin/sync.njk', {
        title: 'Ghost sync',
        configured: !!app.ghostSync,
        ghostUrl: app.config.ghost?.url,
        runs: status.runs,
        pending: status.pendingDeliveries,
        failedDeliveries: status.failedDeliveries,
        drift: status.drift,
        demoRemoved: status.demoRemoved,
        done: request.query.done,
        failed: request.query.failed,
        delivery: request.query.delivery,
      });
    },
  );

  app.post(
    '/admin/sync',
    { onRequest: requireAdmin, preValidation: app.csrfProtection, schema: { body: SyncForm } },
    async (request, reply) => {
      if (!app.ghostSync) throw new AppError('BLOG_GHOST_NOT_CONFIGURED');
      const { kind } = request.body;
      try {
        if (kind === 'full') await app.ghostSync.runFull();
        else await app.ghostSync.runIncremental();
        return reply.redirect(`/admin/sync?done=${kind}`, 303);
      } catch {
        // The run and its error are recorded in ghost_sync_runs and shown on the page.
        return reply.redirect('/admin/sync?failed=1', 303);
      }
    },
  );

  /** A failed webhook delivery: made pending again (and its job sent), or dropped for good. */
  app.post(
    '/admin/sync/deliveries/:id',
    {
      onRequest: requireAdmin,
      preValidation: app.csrfProtection,
      schema: { params: IdParams, body: DeliveryForm },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (request.body.action === 'discard') {
        const done = await app.services.blog.discardWebhookDelivery(id);
        return reply.redirect(`/admin/sync?delivery=${done ? 'discarded' : 'gone'}`, 303);
      }
      if (!(await app.services.blog.retryWebhookDelivery(id))) {
        return reply.redirect('/admin/sync?delivery=gone', 303);
      }
      await app.jobs.send('blog.ghost-webhook', { deliveryId: id });
      return reply.redirect('/admin/sync?delivery=retried', 303);
    },
  );
};

export default siteAdminRoutes;
