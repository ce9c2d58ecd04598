import { randomBytes } from 'node:crypto';
import { CART_COOKIE } from '@rose-ash/shared/contracts/widgets.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { setFlash, sharedCookieDomain } from '@rose-ash/shared/infrastructure/flash.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { cartOwner } from '../../services/cart-owner.ts';

/** How long an anonymous basket's key is remembered by the browser. */
const CART_COOKIE_DAYS = 30;

/**
 * `POST /add`, the form behind every "add to basket" button (market product pages, event
 * ticket types): a product by SKU or a ticket type by id, a quantity, and where to go back to.
 */
const AddForm = z
  .object({
    sku: z.string().trim().min(1).max(100).optional(),
    ticket_type_id: z.coerce.number().int().positive().max(2_147_483_647).optional(),
    quantity: z.coerce.number().int().min(1, 'At least one').max(99, 'At most 99 at a time').default(1),
    return_to: z.string().max(2_000).optional(),
  })
  .refine((f) => (f.sku ? 1 : 0) + (f.ticket_type_id ? 1 : 0) === 1, {
    message: 'Say which product (sku) or which ticket type (ticket_type_id)',
    path: ['sku'],
  });

const AddResult = z.object({
  ok: z.literal(true),
  itemCount: z.number().int(),
  totalPence: z.number().int(),
  currency: z.string(),
});

const REFUSALS = {
  'unknown-item': 'That item is not for sale here.',
  inactive: 'That product is no longer available.',
  'sold-out': 'There are not that many left.',
} as const;

const addRoutes: RoutePlugin = async (app) => {
  const ourOrigins = new Set(Object.values(app.config.apps).map((a) => new URL(a.publicUrl).origin));

  /**
   * The form lives on another app, so the cart's CSRF token cannot be in it: instead the
   * request must come from one of our own pages (Origin, or Referer when a browser omits
   * Origin) and never from another site (Sec-Fetch-Site).
   */
  const fromOurPages = async (request: FastifyRequest) => {
    if (request.headers['sec-fetch-site'] === 'cross-site') throw new AppError('AUTH_CSRF_INVALID');
    const source = request.headers.origin ?? request.headers.referer;
    let origin: string | null = null;
    try {
      origin = source ? new URL(source).origin : null;
    } catch {
      origin = null;
    }
    if (!origin || !ourOrigins.has(origin)) throw new AppError('AUTH_CSRF_INVALID');
  };

  /** Back to where the shopper was: a page of one of our apps; else the basket. */
  const backTo = (request: FastifyRequest, wanted: string | undefined): string => {
    for (const candidate of [wanted, request.headers.referer]) {
      if (!candidate) continue;
      try {
        const url = new URL(candidate, app.config.apps.cart.publicUrl);
        if (ourOrigins.has(url.origin) && !url.pathname.startsWith('//')) return url.href;
      } catch {
        // not a URL: try the next one
      }
    }
    return `${app.config.apps.cart.publicUrl}/`;
  };

  /** The member's basket (their anonymous one merged in), or this browser's anonymous one (a new key on first use). */
  const ownerOf = async (request: FastifyRequest, reply: FastifyReply) => {
    const { owner } = await cartOwner(request, reply);
    if (owner) return owner;
    const cartKey = randomBytes(24).toString('base64url');
    const domain = sharedCookieDomain(app.config);
    reply.setCookie(CART_COOKIE, cartKey, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: app.config.isProduction,
      maxAge: CART_COOKIE_DAYS * 24 * 3600,
      ...(domain ? { domain } : {}),
    });
    request.cartKey = cartKey;
    return { cartKey };
  };

  app.post(
    '/add',
    { preValidation: fromOurPages, schema: { body: AddForm, response: { 200: AddResult } } },
    async (request, reply) => {
      const { sku, ticket_type_id: ticketTypeId, quantity } = request.body;
      const owner = await ownerOf(request, reply);
      const item = sku ? { sku, quantity } : { ticketTypeId: ticketTypeId as number, quantity };
      const result = await app.services.cart.addItem(owner, item);
      if (request.wantsJson) {
        if (!result.ok) throw new AppError('HTTP_REQUEST_INVALID', REFUSALS[result.reason]);
        const { itemCount, totalPence, currency } = result.summary;
        return { ok: true as const, itemCount, totalPence, currency };
      }
      if (!result.ok) {
        setFlash(reply, app.config, { kind: 'error', message: REFUSALS[result.reason] });
      } else {
        const line =
          result.summary.lines.find((l) => (sku ? l.sku === sku : l.ticketTypeId === ticketTypeId)) ?? null;
        setFlash(reply, app.config, {
          kind: 'success',
          message: `Added ${line ? `“${line.name}”` : 'it'}${quantity > 1 ? ` × ${quantity}` : ''} to your basket (${result.summary.itemCount} ${result.summary.itemCount === 1 ? 'item' : 'items'}).`,
        });
      }
      return reply.redirect(backTo(request, request.body.return_to), 303);
    },
  );
};

export default addRoutes;
