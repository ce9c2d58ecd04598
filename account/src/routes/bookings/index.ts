import { IdParams } from '@rose-ash/shared/contracts/http.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { setFlash } from '@rose-ash/shared/infrastructure/flash.ts';
import { requireUser } from '@rose-ash/shared/infrastructure/sessions.ts';
import { CsrfForm, member, privatePage, sectionContext } from '../../services/pages.ts';

/**
 * The member's bookings, upcoming then past; an upcoming one can be cancelled until the
 * configured cut-off, which gives its seats back in events at once.
 */
const bookingRoutes: RoutePlugin = async (app) => {
  const account = app.services.account;

  app.get('/bookings', { preHandler: requireUser }, async (request, reply) => {
    const bookings = await account.listBookings(member(request).id);
    const now = new Date();
    const ended = (b: (typeof bookings)[number]) => (b.entry.endsAt ?? b.entry.startsAt) < now;
    return privatePage(reply).view('bookings.njk', {
      ...sectionContext('bookings', 'Bookings'),
      upcoming: bookings.filter((b) => !ended(b)),
      past: bookings.filter(ended),
    });
  });

  app.post(
    '/bookings/:id/cancel',
    {
      onRequest: requireUser,
      preValidation: app.csrfProtection,
      schema: { params: IdParams, body: CsrfForm },
    },
    async (request, reply) => {
      const result = await account.cancelBooking(member(request).id, request.params.id);
      if (!result.ok) {
        if (result.reason === 'not-found') throw new AppError('RESOURCE_NOT_FOUND', 'No such booking');
        throw new AppError(
          'ACCOUNT_BOOKING_TOO_LATE',
          'It is too close to the start to cancel here; please contact the organisers.',
          {
            action: { href: '/bookings', label: 'Back to your bookings' },
          },
        );
      }
      setFlash(reply, app.config, {
        kind: 'success',
        message: 'Booking cancelled: your seats are free again.',
      });
      return reply.redirect('/bookings', 303);
    },
  );
};

export default bookingRoutes;
