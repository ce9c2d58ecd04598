import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { sendBookingConfirmation, sendCancellationNotice, sendTickets } from '../services/notifications.ts';

/**
 * The events app's jobs (listed with every other in shared/src/contracts/jobs.ts): the e-mails
 * that follow a booking, a cancellation and a paid order with tickets.
 */
export const eventsJobs = fp(
  async (app: FastifyInstance) => {
    app.jobs.register('events.booking-confirmation', ({ bookingId }) =>
      sendBookingConfirmation(app, bookingId),
    );
    app.jobs.register('events.cancellation-notice', ({ bookingId }) =>
      sendCancellationNotice(app, bookingId),
    );
    app.jobs.register('events.send-tickets', ({ orderId }) => sendTickets(app, orderId));
  },
  { name: 'events-jobs', dependencies: ['events-mail'], fastify: '5.x' },
);
