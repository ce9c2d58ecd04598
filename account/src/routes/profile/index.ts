import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { setFlash } from '@rose-ash/shared/infrastructure/flash.ts';
import { requireUser } from '@rose-ash/shared/infrastructure/sessions.ts';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { emailChangeLinkMail, emailChangeRequestedMail } from '../../services/mail.ts';
import { Csrf, member, privatePage, sectionContext } from '../../services/pages.ts';

const NameForm = z.object({
  _csrf: Csrf,
  displayName: z.string().trim().max(100, 'At most 100 characters.').default(''),
});
const EmailForm = z.object({
  _csrf: Csrf,
  email: z.string().trim().toLowerCase().max(254).pipe(z.email('Please enter a valid e-mail address.')),
});

const EMAIL_ERRORS: Record<string, string> = {
  same: 'That is already your address.',
  taken: 'That address belongs to another account.',
};

/**
 * The profile: the display name (shown everywhere, and on the member's fediverse actor), the
 * e-mail address (changed only once a link mailed to the new address is opened; the old one
 * is told), and links to the social hub for the username and avatar.
 */
const profileRoutes: RoutePlugin = async (app) => {
  const account = app.services.account;
  // Each change request mails two addresses: a member may ask a few times an hour, no more.
  const changesPerMember = app.createRateLimit({
    max: 10,
    timeWindow: 3_600_000,
    keyGenerator: (r) => `account:email-change:${r.user?.id ?? r.clientIp}`,
  });

  const page = async (request: FastifyRequest, extra: Record<string, unknown> = {}) => {
    const user = member(request);
    const [profile, social] = await Promise.all([
      account.getProfile(user.id),
      app.services.federation.getMember(user.id),
    ]);
    return { ...sectionContext('profile', 'Profile'), profile, social, ...extra };
  };

  app.get('/profile', { preHandler: requireUser }, async (request, reply) =>
    privatePage(reply).view('profile.njk', await page(request)),
  );

  app.post(
    '/profile/name',
    {
      onRequest: requireUser,
      preValidation: app.csrfProtection,
      schema: { body: NameForm },
      config: { form: { view: 'profile.njk', context: (request) => page(request) } },
    },
    async (request, reply) => {
      await account.setDisplayName(member(request).id, request.body.displayName || null);
      setFlash(reply, app.config, { kind: 'success', message: 'Your name is saved.' });
      return reply.redirect('/profile', 303);
    },
  );

  app.post(
    '/profile/email',
    {
      onRequest: requireUser,
      preValidation: app.csrfProtection,
      schema: { body: EmailForm },
      config: { form: { view: 'profile.njk', context: (request) => page(request) } },
    },
    async (request, reply) => {
      const verdict = await changesPerMember(request);
      if (!verdict.isAllowed && verdict.isExceeded) {
        throw new AppError(
          'ACCOUNT_REQUESTS_LIMITED',
          'Too many address changes asked for; please try later.',
          {
            retryAfter: verdict.ttlInSeconds,
          },
        );
      }
      const user = member(request);
      const result = await account.requestEmailChange(user.id, request.body.email);
      if (!result.ok) {
        if (result.reason === 'too-many') {
          throw new AppError(
            'ACCOUNT_REQUESTS_LIMITED',
            'Too many address changes asked for; please try later.',
          );
        }
        if (result.reason === 'not-found') throw new AppError('AUTH_SESSION_REQUIRED');
        reply.code(result.reason === 'taken' ? 409 : 400);
        return privatePage(reply).view(
          'profile.njk',
          await page(request, {
            values: { email: request.body.email },
            errors: { email: EMAIL_ERRORS[result.reason] },
          }),
        );
      }
      const { site } = app.config;
      const accountUrl = app.config.apps.account.publicUrl;
      await app.accountMailer.send(
        emailChangeLinkMail({
          to: result.newEmail as string,
          siteName: site.name,
          link: `${accountUrl}/confirm/${result.token}`,
          oldEmail: result.email,
        }),
      );
      await app.accountMailer
        .send(
          emailChangeRequestedMail({
            to: result.email,
            siteName: site.name,
            newEmail: result.newEmail as string,
            accountUrl,
          }),
        )
        .catch((err: unknown) => request.log.warn({ err }, 'notice to the old address not sent'));
      return privatePage(reply).view('profile-email-sent.njk', {
        ...sectionContext('profile', 'Check your mail'),
        new_email: result.newEmail,
        expires_at: result.expiresAt,
      });
    },
  );
};

export default profileRoutes;
