import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { requireAdmin } from '@rose-ash/shared/infrastructure/sessions.ts';

/** The blog's admin home (admins only): counts and the way to each admin page. */
const adminRoutes: RoutePlugin = async (app) => {
  app.get('/admin', { onRequest: requireAdmin }, async (request, reply) => {
    const counts = await app.services.blog.countPostsByStatus();
    return reply.header('cache-control', 'private, no-store').view('admin/index.njk', {
      title: 'Admin',
      email: request.user?.email,
      counts: { drafts: counts.draft, scheduled: counts.scheduled, published: counts.published },
      ghost: !!app.ghostSync,
    });
  });
};

export default adminRoutes;
