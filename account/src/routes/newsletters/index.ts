import { IdParams } from '@rose-ash/shared/contracts/http.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { setFlash } from '@rose-ash/shared/infrastructure/flash.ts';
import { requireUser } from '@rose-ash/shared/infrastructure/sessions.ts';
import { z } from 'zod';
import { Csrf, member, privatePage, sectionContext } from '../../services/pages.ts';

const ToggleForm = z.object({ _csrf: Csrf, subscribed: z.enum(['true', 'false']) });

const SAVED: Record<'none' | 'delivered' | 'pending', string> = {
  none: 'Saved.',
  delivered: 'Saved.',
  pending:
    'Saved here. The newsletter service is not answering, so the change is pending: it is sent as soon as the service is back.',
};

/**
 * The blog's newsletters with a toggle each. With Ghost configured a change goes to the Ghost
 * member at once; when Ghost does not take it, it stays pending and the job runner keeps
 * trying (`account.ghost-writeback`). Changes made in Ghost (a member unsubscribing from an
 * e-mail) arrive by webhook and show here.
 */
const newsletterRoutes: RoutePlugin = async (app) => {
  const account = app.services.account;

  app.get('/newsletters', { preHandler: requireUser }, async (request, reply) => {
    const newsletters = await account.listNewsletters(member(request).id);
    return privatePage(reply).view('newsletters.njk', {
      ...sectionContext('newsletters', 'Newsletters'),
      newsletters,
    });
  });

  app.post(
    '/newsletters/:id',
    {
      onRequest: requireUser,
      preValidation: app.csrfProtection,
      schema: { params: IdParams, body: ToggleForm },
    },
    async (request, reply) => {
      const user = member(request);
      const result = await account.setNewsletter(
        user.id,
        request.params.id,
        request.body.subscribed === 'true',
      );
      if (!result.ok) throw new AppError('RESOURCE_NOT_FOUND', 'No such newsletter');
      if (result.writeBack === 'pending') await app.jobs.send('account.ghost-writeback', { userId: user.id });
      setFlash(reply, app.config, {
        kind: result.writeBack === 'pending' ? 'info' : 'success',
        message: SAVED[result.writeBack],
      });
      return reply.redirect('/newsletters', 303);
    },
  );
};

export default newsletterRoutes;
