import { ghostSyncRuns, ghostWebhookEvents } from '@rose-ash/shared/db/schema/index.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { requireAdmin } from '@rose-ash/shared/infrastructure/sessions.ts';
import {
  type NavItem,
  navItemSchema,
  readNavigation,
  saveNavigation,
} from '@rose-ash/shared/services/blog/navigation-service.ts';
import { desc, isNull } from 'drizzle-orm';
import type { FastifyPluginAsync } from 'fastify';

/** Rows the navigation form offers per menu (filled rows plus blanks to add items). */
const FORM_ROWS = 8;

/** Admin pages for site settings the blog owns: navigation menus and Ghost sync status. */
const siteAdminRoutes: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'private, no-store');
  });

  app.get('/admin/navigation', { preHandler: requireAdmin }, async (request, reply) => {
    const menus = await readNavigation(app.db.db);
    const saved = (request.query as Record<string, string | undefined>).saved === '1';
    return reply.view('admin/navigation.njk', { title: 'Navigation', menus, rows: FORM_ROWS, saved });
  });

  app.post(
    '/admin/navigation',
    { preHandler: [requireAdmin, app.csrfProtection] },
    async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const menus: Record<'primary' | 'secondary', NavItem[]> = { primary: [], secondary: [] };
      const errors: string[] = [];
      for (const menu of ['primary', 'secondary'] as const) {
        for (let i = 0; i < FORM_ROWS; i++) {
          const label = String(body[`${menu}_label_${i}`] ?? '').trim();
          const url = String(body[`${menu}_url_${i}`] ?? '').trim();
          if (!label && !url) continue;
          const item = navItemSchema.safeParse({ label, url });
          if (item.success) menus[menu].push(item.data);
          else
            errors.push(
              `${menu === 'primary' ? 'Primary' : 'Secondary'} item ${i + 1}: ${item.error.issues[0]?.message}`,
            );
        }
      }
      if (errors.length) {
        return reply
          .code(400)
          .view('admin/navigation.njk', { title: 'Navigation', menus, rows: FORM_ROWS, errors });
      }
      await saveNavigation({ db: app.db.db, cache: app.cache }, menus);
      return reply.redirect('/admin/navigation?saved=1', 303);
    },
  );

  app.get('/admin/sync', { preHandler: requireAdmin }, async (request, reply) => {
    const runs = await app.db.db
      .select()
      .from(ghostSyncRuns)
      .orderBy(desc(ghostSyncRuns.startedAt))
      .limit(20);
    const pending = await app.db.db.$count(ghostWebhookEvents, isNull(ghostWebhookEvents.processedAt));
    const query = request.query as Record<string, string | undefined>;
    return reply.view('admin/sync.njk', {
      title: 'Ghost sync',
      configured: !!app.ghostSync,
      ghostUrl: app.config.ghost?.url,
      runs,
      pending,
      done: query.done,
      failed: query.failed,
    });
  });

  app.post('/admin/sync', { preHandler: [requireAdmin, app.csrfProtection] }, async (request, reply) => {
    if (!app.ghostSync) throw new AppError('RESOURCE_NOT_FOUND', 'Ghost is not configured on this blog');
    const kind =
      (request.body as Record<string, unknown> | undefined)?.kind === 'incremental' ? 'incremental' : 'full';
    try {
      if (kind === 'full') await app.ghostSync.runFull();
      else await app.ghostSync.runIncremental();
      return reply.redirect(`/admin/sync?done=${kind}`, 303);
    } catch {
      // The run and its error are recorded in ghost_sync_runs and shown on the page.
      return reply.redirect('/admin/sync?failed=1', 303);
    }
  });
};

export default siteAdminRoutes;
