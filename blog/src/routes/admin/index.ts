import { requireAdmin } from '@rose-ash/shared/infrastructure/sessions.ts';
import type { FastifyPluginAsync } from 'fastify';

/** The blog's admin area (admins only). The post editor arrives with its own issue. */
const adminRoutes: FastifyPluginAsync = async (app) => {
  app.get('/admin', { preHandler: requireAdmin }, async (request, reply) =>
    reply.header('cache-control', 'private, no-store').view('app-home.njk', {
      title: 'Admin',
      heading: 'Blog admin',
      intro: `Signed in as ${request.user?.email ?? ''}, an administrator.`,
    }),
  );
};

export default adminRoutes;
