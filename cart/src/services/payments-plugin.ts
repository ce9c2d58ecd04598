/**
 * The cart's payment flow over SumUp's hosted checkout (SUMUP.md): checkout → a payment
 * attempt with its own reference → 303 to SumUp's page; the webhook and the payer's return only
 * *trigger* a re-fetch of the checkout from SumUp, and the ledger (shared/services/cart/
 * payments.ts) decides what SumUp's own answer means for the order. A periodic sweep
 * re-fetches what is still pending and expires what outlived SumUp's 30-minute session.
 */
import type { CartOwnerDto, CheckoutInputDto, UnavailableLine } from '@rose-ash/shared/contracts/dtos.ts';
import { createMailer } from '@rose-ash/shared/infrastructure/mail.ts';
import {
  type ApplyOutcome,
  createPaymentLedger,
  type PaymentLedger,
  SUMUP_SESSION_MINUTES,
} from '@rose-ash/shared/services/cart/payments.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { orderUrl } from './order-links.ts';
import { type CartSettings, cartSettings } from './settings.ts';
import { createSumUpGateway, type SumUpGateway, SumUpUnavailable } from './sumup-client.ts';

/** Pending attempts are re-fetched once they are this old (the webhook usually came first). */
const RECONCILE_AFTER_SECONDS = 60;
/** SumUp's session plus a margin before a still-pending checkout is deactivated. */
const EXPIRE_AFTER_MINUTES = SUMUP_SESSION_MINUTES + 2;

export type PayResult =
  | { kind: 'redirect'; url: string }
  | { kind: 'not-found' }
  | { kind: 'not-payable' }
  /** Someone else is creating the checkout right now: show the order page (it refreshes). */
  | { kind: 'in-progress' }
  | { kind: 'unavailable'; lines: readonly UnavailableLine[] }
  /** SumUp is down or not configured: the order is kept, the shopper can try again. */
  | { kind: 'payment-unavailable' };

export type PlaceResult =
  | { kind: 'empty' }
  | { kind: 'unavailable'; lines: readonly UnavailableLine[] }
  | { kind: 'placed'; number: string; pay: PayResult };

export interface PaymentFlow {
  readonly settings: CartSettings;
  /** null when SumUp is not configured (no SUMUP_API_KEY and no stub). */
  readonly gateway: SumUpGateway | null;
  readonly ledger: PaymentLedger;
  /** Checkout: the order with its stock held, then its first payment attempt. */
  placeOrder(owner: CartOwnerDto, input: CheckoutInputDto): Promise<PlaceResult>;
  /** A payment attempt for an order (its first, or a retry after FAILED / EXPIRED). */
  pay(number: string): Promise<PayResult>;
  /** Re-fetches one attempt from SumUp and applies what SumUp says. */
  syncPayment(paymentId: number): Promise<ApplyOutcome>;
  /** The payer is back from SumUp: re-fetch the order's open attempts (never trust the URL). */
  syncOrder(number: string): Promise<void>;
  /** A webhook named this checkout: queue a re-fetch if it is ours and not settled. */
  onWebhook(checkoutId: string): Promise<'queued' | 'ignored'>;
  /** The periodic sweep (`cart.expire-checkouts`). */
  sweep(): Promise<{ reconciled: number; deactivated: number; released: number; confirmations: number }>;
  /** Sends a paid order's confirmation e-mail, once (`cart.send-confirmation`). */
  sendConfirmation(orderId: number): Promise<'sent' | 'skipped'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    payments: PaymentFlow;
  }
}

export const paymentsPlugin = fp(
  async (app: FastifyInstance) => {
    const { config } = app;
    const settings = cartSettings(config);
    const gateway = config.sumup ? createSumUpGateway(config.sumup) : null;
    const ledger = createPaymentLedger({
      db: app.db,
      cache: app.cache,
      market: app.services.market,
      calendar: app.services.calendar,
    });
    const mailer = createMailer(config, app.log);
    app.addHook('onClose', async () => mailer.close());

    const webhookUrl = `${config.apps.cart.publicUrl}/sumup/webhook`;

    // The checkout and pay forms are answered with a redirect to SumUp's hosted page: the
    // pages' CSP form-action (which browsers apply to the redirect too) must allow its origin.
    const hostedOrigins = [
      ...new Set([
        ...settings.hosted_checkout_origins,
        ...(config.sumup ? [new URL(config.sumup.apiBase).origin] : []),
      ]),
    ];
    app.addHook('onSend', async (_request, reply, payload) => {
      const csp = reply.getHeader('content-security-policy');
      if (typeof csp === 'string' && csp.includes('form-action '))
        reply.header(
          'content-security-policy',
          csp.replace('form-action ', `form-action ${hostedOrigins.join(' ')} `),
        );
      return payload;
    });

    const confirm = async (outcome: ApplyOutcome) => {
      if (outcome.kind === 'paid') {
        await app.jobs.send('cart.send-confirmation', { orderId: outcome.orderId });
        // The events app mails the tickets issued with the payment (it skips orders without any).
        if (!outcome.flagged) await app.jobs.send('events.send-tickets', { orderId: outcome.orderId });
      }
      return outcome;
    };

    const flow: PaymentFlow = {
      settings,
      gateway,
      ledger,

      async placeOrder(owner, input) {
        const placed = await app.services.cart.checkout(owner, input);
        if (!placed.ok)
          return placed.reason === 'empty' ? { kind: 'empty' } : { kind: 'unavailable', lines: placed.lines };
        return { kind: 'placed', number: placed.order.number, pay: await flow.pay(placed.order.number) };
      },

      async pay(number) {
        if (!gateway) return { kind: 'payment-unavailable' };
        const attempt = await ledger.beginAttempt(number);
        switch (attempt.kind) {
          case 'not-found':
            return { kind: 'not-found' };
          case 'not-payable':
            return { kind: 'not-payable' };
          case 'in-progress':
            return { kind: 'in-progress' };
          case 'unavailable':
            return { kind: 'unavailable', lines: attempt.lines };
          case 'reuse':
            return { kind: 'redirect', url: attempt.hostedCheckoutUrl };
          case 'created':
            break;
        }
        try {
          const checkout = await gateway.createCheckout({
            reference: attempt.payment.reference,
            amountPence: attempt.payment.amountPence,
            currency: attempt.payment.currency,
            description: `${config.site.name} order ${number}`,
            webhookUrl,
            redirectUrl: orderUrl(config, number, { path: '/return' }),
          });
          if (!checkout.id || !checkout.hosted_checkout_url) {
            throw new SumUpUnavailable('SumUp created a checkout without an id or hosted page', null);
          }
          await ledger.recordCreated(attempt.payment.id, checkout);
          return { kind: 'redirect', url: checkout.hosted_checkout_url };
        } catch (err) {
          if (!(err instanceof SumUpUnavailable)) throw err;
          app.log.warn({ err, order: number }, 'SumUp checkout could not be created');
          await ledger.recordCreateFailed(attempt.payment.id, err.message);
          return { kind: 'payment-unavailable' };
        }
      },

      async syncPayment(paymentId) {
        const payment = await ledger.paymentById(paymentId);
        if (!payment?.checkoutId || !gateway) return { kind: 'unknown' };
        const checkout = await gateway.getCheckout(payment.checkoutId);
        if (!checkout) {
          // SumUp does not know it (any more): past its session, it can no longer be paid.
          const age = Date.now() - payment.createdAt.getTime();
          if (payment.status === 'pending' && age > EXPIRE_AFTER_MINUTES * 60_000) {
            await ledger.expireLocally(paymentId);
            return { kind: 'expired' };
          }
          return { kind: 'unknown' };
        }
        return confirm(await ledger.apply(paymentId, checkout, gateway.merchantCode));
      },

      async syncOrder(number) {
        const attempts = await ledger.attemptsOf(number);
        // The newest attempt (the one the payer just left), and any other still open.
        const open = attempts
          .filter((a, i) => i === 0 || a.status === 'pending')
          .filter((a) => a.status !== 'paid');
        for (const attempt of open) {
          try {
            await flow.syncPayment(attempt.id);
          } catch (err) {
            // The page shows the order as pending and refreshes; the job retries SumUp.
            app.log.warn({ err, order: number }, 'SumUp re-fetch on return failed');
            await app.jobs.send('cart.reconcile-payment', { paymentId: attempt.id });
          }
        }
      },

      async onWebhook(checkoutId) {
        const payment = await ledger.paymentByCheckoutId(checkoutId);
        if (!payment || payment.status === 'paid') return 'ignored';
        await app.jobs.send('cart.reconcile-payment', { paymentId: payment.id });
        return 'queued';
      },

      async sweep() {
        const released = await ledger.releaseStale();
        let reconciled = 0;
        let deactivated = 0;
        for (const attempt of await ledger.pendingAttempts(RECONCILE_AFTER_SECONDS)) {
          try {
            const outcome = await flow.syncPayment(attempt.id);
            reconciled++;
            const age = Date.now() - attempt.createdAt.getTime();
            if (
              outcome.kind === 'pending' &&
              age > EXPIRE_AFTER_MINUTES * 60_000 &&
              gateway &&
              attempt.checkoutId
            ) {
              // Past SumUp's session and still open: close it at SumUp so it can never be paid.
              const closed = await gateway.deactivateCheckout(attempt.checkoutId);
              if (closed) await confirm(await ledger.apply(attempt.id, closed, gateway.merchantCode));
              else await ledger.expireLocally(attempt.id);
              deactivated++;
            }
          } catch (err) {
            if (!(err instanceof SumUpUnavailable)) throw err;
            app.log.warn({ err, payment: attempt.id }, 'SumUp re-fetch failed; next sweep tries again');
          }
        }
        // A paid order whose confirmation never went (a crash between commit and queueing).
        const unconfirmed = await ledger.unconfirmedPaidOrders(120);
        for (const orderId of unconfirmed) await app.jobs.send('cart.send-confirmation', { orderId });
        return { reconciled, deactivated, released, confirmations: unconfirmed.length };
      },

      async sendConfirmation(orderId) {
        const order = await ledger.claimConfirmation(orderId);
        if (!order) return 'skipped';
        const context = {
          order,
          order_url: orderUrl(config, order.number),
          ticket_names: Object.fromEntries(order.items.map((i) => [i.id, i.name])),
        };
        try {
          await mailer.send({
            to: order.email,
            subject: `Your ${config.site.name} order ${order.number}`,
            text: app.templates.render('mail/order-confirmation.txt.njk', context),
            html: app.templates.render('mail/order-confirmation.html.njk', context),
          });
        } catch (err) {
          // Let the job's retry claim it again.
          await ledger.unclaimConfirmation(orderId);
          throw err;
        }
        return 'sent';
      },
    };
    app.decorate('payments', flow);
  },
  { name: 'cart-payments', fastify: '5.x' },
);
