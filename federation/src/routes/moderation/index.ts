import { IdParams } from '@rose-ash/shared/contracts/http.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { setFlash } from '@rose-ash/shared/infrastructure/flash.ts';
import { requireAdmin } from '@rose-ash/shared/infrastructure/sessions.ts';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Back, backTo, Csrf, hubNav } from '../../services/hub-pages.ts';

const BlockForm = z.object({
  _csrf: Csrf,
  back: Back,
  kind: z.enum(['domain', 'actor']),
  value: z.string().trim().min(1, 'Name a domain or an account.').max(2_000),
  reason: z.string().trim().max(1_000, 'At most 1000 characters.').optional(),
});
const ResolveForm = z.object({ _csrf: Csrf, note: z.string().trim().max(2_000).optional() });
const CsrfForm = z.object({ _csrf: Csrf, back: Back });
const ReportsQuery = z.object({ status: z.enum(['open', 'resolved']).optional() });
const HideParams = IdParams.extend({ action: z.enum(['hide', 'show']) });

const BLOCK_ERRORS: Record<string, string> = {
  invalid: 'That is not a domain (example.social) or an account (@user@host, or its URL).',
  own_domain: 'That is one of this site’s own domains.',
  unknown_account: 'We do not know that account: paste its URL instead.',
};

/**
 * Moderation for admins: blocks (domain or actor, with reasons), reports (from members and
 * from other servers' `Flag`s) and the fediverse comments under blog posts, each hideable.
 * The admin check runs first (onRequest), before any body is read.
 */
const moderationRoutes: RoutePlugin = async (app) => {
  const federation = app.services.federation;
  app.addHook('onRequest', requireAdmin);
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'private, no-store');
  });

  const blocksContext = async (request: FastifyRequest) => ({
    title: 'Moderation: blocks',
    blocks: await federation.listBlocks(),
    ...(await hubNav(app, request, 'moderation')),
  });

  app.get('/admin/moderation', async (request, reply) =>
    reply.view('moderation/blocks.njk', await blocksContext(request)),
  );

  app.post(
    '/admin/moderation/blocks',
    {
      preValidation: app.csrfProtection,
      schema: { body: BlockForm },
      config: { form: { view: 'moderation/blocks.njk', context: blocksContext } },
    },
    async (request, reply) => {
      const admin = request.user as NonNullable<FastifyRequest['user']>;
      const { kind, value, reason, back } = request.body;
      const result = await federation.addBlock({ kind, value, reason: reason || null }, admin.id);
      if (!result.ok) {
        reply.code(400);
        return reply.view('moderation/blocks.njk', {
          ...(await blocksContext(request)),
          values: request.body,
          errors: { value: BLOCK_ERRORS[result.reason] },
        });
      }
      setFlash(reply, app.config, {
        kind: 'success',
        message: `Blocked; ${result.followsRemoved} follow${result.followsRemoved === 1 ? '' : 's'} removed.`,
      });
      return reply.redirect(backTo(back, '/admin/moderation'), 303);
    },
  );

  app.post(
    '/admin/moderation/blocks/:id/delete',
    { preValidation: app.csrfProtection, schema: { params: IdParams, body: CsrfForm } },
    async (request, reply) => {
      const result = await federation.removeBlock(request.params.id);
      if (!result.ok) throw new AppError('RESOURCE_NOT_FOUND', 'That block is already gone');
      setFlash(reply, app.config, { kind: 'success', message: 'Block lifted.' });
      return reply.redirect('/admin/moderation', 303);
    },
  );

  app.get('/admin/moderation/reports', { schema: { querystring: ReportsQuery } }, async (request, reply) => {
    const admin = request.user as NonNullable<FastifyRequest['user']>;
    return reply.view('moderation/reports.njk', {
      title: 'Moderation: reports',
      status: request.query.status ?? null,
      reports: await federation.listReports(admin.id, request.query.status),
      ...(await hubNav(app, request, 'moderation')),
    });
  });

  app.post(
    '/admin/moderation/reports/:id/resolve',
    { preValidation: app.csrfProtection, schema: { params: IdParams, body: ResolveForm } },
    async (request, reply) => {
      const admin = request.user as NonNullable<FastifyRequest['user']>;
      const result = await federation.resolveReport(request.params.id, admin.id, request.body.note ?? null);
      if (!result.ok) throw new AppError('RESOURCE_NOT_FOUND', 'That report is not open');
      setFlash(reply, app.config, { kind: 'success', message: 'Report resolved.' });
      return reply.redirect('/admin/moderation/reports', 303);
    },
  );

  app.get('/admin/moderation/comments', async (request, reply) =>
    reply.view('moderation/comments.njk', {
      title: 'Moderation: fediverse comments',
      comments: await federation.listRecentComments(),
      ...(await hubNav(app, request, 'moderation')),
    }),
  );

  app.post(
    '/admin/moderation/notes/:id/:action',
    { preValidation: app.csrfProtection, schema: { params: HideParams, body: CsrfForm } },
    async (request, reply) => {
      const admin = request.user as NonNullable<FastifyRequest['user']>;
      const hidden = request.params.action === 'hide';
      const result = await federation.setStatusHidden(request.params.id, hidden, admin.id);
      if (!result.ok) throw new AppError('RESOURCE_NOT_FOUND');
      setFlash(reply, app.config, { kind: 'success', message: hidden ? 'Hidden.' : 'Shown again.' });
      return reply.redirect(backTo(request.body.back, '/admin/moderation/comments'), 303);
    },
  );
};

export default moderationRoutes;
