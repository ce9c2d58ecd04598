import type { UnavailableLine } from '@rose-ash/shared/contracts/dtos.ts';
import { setFlash } from '@rose-ash/shared/infrastructure/flash.ts';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { orderUrl } from './order-links.ts';
import type { PayResult } from './payments-plugin.ts';

/** What the shopper is told when lines could not be held, naming each. */
export function unavailableMessage(lines: readonly UnavailableLine[]): string {
  const parts = lines.map((l) =>
    l.reason === 'inactive'
      ? `“${l.name}” is no longer available`
      : l.available > 0
        ? `only ${l.available} of “${l.name}” left`
        : `“${l.name}” is sold out`,
  );
  return `Sorry — ${parts.join('; ')}. Nothing was reserved or charged.`;
}

/** After a payment attempt: to SumUp's page, or back to the order page saying why not. */
export function replyToPay(app: FastifyInstance, reply: FastifyReply, number: string, pay: PayResult) {
  if (pay.kind === 'redirect') return reply.redirect(pay.url, 303);
  const message =
    pay.kind === 'payment-unavailable'
      ? 'Card payment is not available right now. Your order is kept: please try again in a moment.'
      : pay.kind === 'unavailable'
        ? `${unavailableMessage(pay.lines)} This order can no longer be paid as it is.`
        : pay.kind === 'not-payable'
          ? 'This order cannot be paid now.'
          : null;
  if (message) setFlash(reply, app.config, { kind: pay.kind === 'in-progress' ? 'info' : 'error', message });
  return reply.redirect(orderUrl(app.config, number), 303);
}
