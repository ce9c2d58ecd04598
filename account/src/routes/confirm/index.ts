import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { setFlash } from '@rose-ash/shared/infrastructure/flash.ts';
import { endSession } from '@rose-ash/shared/infrastructure/sessions.ts';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { accountClosedMail, emailChangedMail } from '../../services/mail.ts';
import { CsrfForm } from '../../services/pages.ts';

const TokenParams = z.object({
  token: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'not a confirmation link'),
});

const invalid = () =>
  new AppError('ACCOUNT_CONFIRMATION_INVALID', undefined, {
    heading: 'This link no longer works',
    action: { href: '/', label: 'Your account' },
  });

/** Pages whose URL holds a secret: no referrer leaves them, no cache keeps them. */
const secretPage = (reply: FastifyReply) =>
  reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');

/**
 * Links mailed to a member: a new e-mail address, or closing the account. The GET shows what
 * the link does with a button (mail scanners prefetch links); the POST does it. The link is
 * the proof: it works from any browser, signed in or not, once.
 */
const confirmRoutes: RoutePlugin = async (app) => {
  const account = app.services.account;
  const { site } = app.config;

  app.get('/confirm/:token', { schema: { params: TokenParams } }, async (request, reply) => {
    secretPage(reply);
    const pending = await account.findConfirmation(request.params.token);
    if (!pending) throw invalid();
    return reply.view('confirm.njk', {
      title: pending.purpose === 'email-change' ? 'Confirm your new address' : 'Close your account',
      pending,
      token: request.params.token,
    });
  });

  app.post(
    '/confirm/:token',
    { preValidation: app.csrfProtection, schema: { params: TokenParams, body: CsrfForm } },
    async (request, reply) => {
      secretPage(reply);
      const { token } = request.params;
      const pending = await account.findConfirmation(token);
      if (!pending) throw invalid();

      if (pending.purpose === 'email-change') {
        const changed = await account.confirmEmailChange(token);
        if (!changed.ok) {
          if (changed.reason === 'taken') {
            throw new AppError('ACCOUNT_EMAIL_TAKEN', 'That address now belongs to another account.');
          }
          throw invalid();
        }
        await app.accountMailer
          .send(emailChangedMail({ to: changed.oldEmail, siteName: site.name, newEmail: changed.newEmail }))
          .catch((err: unknown) => request.log.warn({ err }, 'notice to the old address not sent'));
        // The Ghost member follows (a no-op unless Ghost knows this member).
        await app.jobs.send('account.ghost-writeback', { userId: changed.userId });
        setFlash(reply, app.config, {
          kind: 'success',
          message: `Your account now uses ${changed.newEmail}.`.slice(0, 300),
        });
        return reply.redirect(request.user?.id === changed.userId ? '/profile' : '/', 303);
      }

      const closed = await account.closeAccount(token);
      if (!closed.ok) throw invalid();
      await app.jobs.send('account.finish-closure', {
        userId: closed.userId,
        ghostMemberId: closed.ghostMemberId,
      });
      await app.accountMailer
        .send(accountClosedMail({ to: closed.email, siteName: site.name }))
        .catch((err: unknown) => request.log.warn({ err }, 'goodbye mail not sent'));
      // The sessions are gone from the store already; this browser's cookie goes too.
      if (request.user?.id === closed.userId) await endSession(request, reply);
      return reply.view('closed.njk', { title: 'Your account is closed' });
    },
  );
};

export default confirmRoutes;
