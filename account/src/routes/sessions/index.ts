import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { setFlash } from '@rose-ash/shared/infrastructure/flash.ts';
import { endSession, requireUser } from '@rose-ash/shared/infrastructure/sessions.ts';
import { z } from 'zod';
import { Csrf, CsrfForm, member, privatePage, sectionContext } from '../../services/pages.ts';

const DeviceForm = z.object({
  _csrf: Csrf,
  device: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a device'),
});

/**
 * The browsers signed in to the member's account (when each signed in, when it was last seen,
 * in which apps), with "sign out" for one or for all: every app's session in that browser
 * ends, and so does the single sign-on session, so no app signs it back in silently.
 */
const sessionRoutes: RoutePlugin = async (app) => {
  const account = app.services.account;

  app.get('/sessions', { preHandler: requireUser }, async (request, reply) => {
    const current = request.session ? { app: app.appName, sessionId: request.session.id } : null;
    const devices = await account.listDevices(member(request).id, current);
    return privatePage(reply).view('sessions.njk', {
      ...sectionContext('sessions', 'Signed-in devices'),
      devices,
    });
  });

  app.post(
    '/sessions/sign-out',
    {
      onRequest: requireUser,
      preValidation: app.csrfProtection,
      schema: { body: DeviceForm },
    },
    async (request, reply) => {
      const { ended } = await account.signOut(member(request).id, request.body.device);
      // Signing out this very browser ends this session too.
      const still = request.session ? await app.sessions.get(request.session.id) : null;
      if (!still) {
        await endSession(request, reply);
        setFlash(reply, app.config, { kind: 'success', message: 'You are signed out on this device.' });
        return reply.redirect('/', 303);
      }
      setFlash(
        reply,
        app.config,
        ended
          ? { kind: 'success', message: 'That device is signed out.' }
          : { kind: 'info', message: 'That device was signed out already.' },
      );
      return reply.redirect('/sessions', 303);
    },
  );

  app.post(
    '/sessions/sign-out-all',
    { onRequest: requireUser, preValidation: app.csrfProtection, schema: { body: CsrfForm } },
    async (request, reply) => {
      const { ended } = await account.signOut(member(request).id, 'all');
      await endSession(request, reply);
      setFlash(reply, app.config, {
        kind: 'success',
        message: `You are signed out everywhere (${ended} session${ended === 1 ? '' : 's'} ended).`,
      });
      return reply.redirect('/', 303);
    },
  );
};

export default sessionRoutes;
