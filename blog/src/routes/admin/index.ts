import { posts } from '@rose-ash/shared/db/schema/index.ts';
import { requireAdmin } from '@rose-ash/shared/infrastructure/sessions.ts';
import { eq } from 'drizzle-orm';
import type { FastifyPluginAsync } from 'fastify';

/** The blog's admin home (admins only): counts and the way to each admin page. */
const adminRoutes: FastifyPluginAsync = async (app) => {
  app.get('/admin', { preHandler: requireAdmin }, async (request, reply) => {
    const db = app.db.db;
    const [drafts, scheduled, published] = await Promise.all(
      (['draft', 'scheduled', 'published'] as const).map((status) =>
        db.$count(posts, eq(posts.status, status)),
      ),
    );
    return reply.header('cache-control', 'private, no-store').view('admin/index.njk', {
      title: 'Admin',
      email: request.user?.email,
      counts: { drafts, scheduled, published },
      ghost: !!app.ghostSync,
    });
  });
};

export default adminRoutes;
