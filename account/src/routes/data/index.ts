import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { requireUser } from '@rose-ash/shared/infrastructure/sessions.ts';
import { closeAccountLinkMail } from '../../services/mail.ts';
import { CsrfForm, member, privatePage, sectionContext } from '../../services/pages.ts';

/**
 * Your data: everything held about the member as a JSON download, and closing the account
 * (confirmed by a link mailed to the member's address; see the confirm routes).
 */
const dataRoutes: RoutePlugin = async (app) => {
  const account = app.services.account;

  app.get('/data', { preHandler: requireUser }, async (_request, reply) =>
    privatePage(reply).view('data.njk', { ...sectionContext('data', 'Your data') }),
  );

  // A download, not an API: the body is the member's data, pretty-printed as a file.
  app.get('/data/export', { preHandler: requireUser }, async (request, reply) => {
    const user = member(request);
    const data = await account.exportData(user.id);
    const day = new Date().toISOString().slice(0, 10);
    return privatePage(reply)
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="rose-ash-account-${user.id}-${day}.json"`)
      .send(JSON.stringify(data, null, 2));
  });

  app.post(
    '/data/close',
    { onRequest: requireUser, preValidation: app.csrfProtection, schema: { body: CsrfForm } },
    async (request, reply) => {
      const result = await account.requestClosure(member(request).id);
      if (!result.ok) {
        if (result.reason === 'too-many') {
          throw new AppError(
            'ACCOUNT_REQUESTS_LIMITED',
            'Several links were sent already; please use one of them.',
          );
        }
        throw new AppError('AUTH_SESSION_REQUIRED');
      }
      await app.accountMailer.send(
        closeAccountLinkMail({
          to: result.email,
          siteName: app.config.site.name,
          link: `${app.config.apps.account.publicUrl}/confirm/${result.token}`,
        }),
      );
      return privatePage(reply).view('data-close-sent.njk', {
        ...sectionContext('data', 'Check your mail'),
        email: result.email,
      });
    },
  );
};

export default dataRoutes;
