/**
 * Whose cart a request means, merging at sign-in. Sessions are per app and members usually
 * sign in at another app (the market, the blog), so the merge cannot hang off the cart's own
 * OIDC callback: instead the first cart request that carries both a member and an anonymous
 * cart key — the `cart-mini` fragment every page header asks for, the cart page, `POST /add`
 * — merges the anonymous cart into the member's. The merge is idempotent (the anonymous cart
 * is locked and retired in one transaction), so replays and concurrent requests are harmless.
 */
import type { CartOwnerDto } from '@rose-ash/shared/contracts/dtos.ts';
import { CART_COOKIE } from '@rose-ash/shared/contracts/widgets.ts';
import { sharedCookieDomain } from '@rose-ash/shared/infrastructure/flash.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface RequestOwner {
  owner: CartOwnerDto | null;
  /** Lines whose merged quantity was cut down to what is in stock (for a notice). */
  capped: readonly string[];
}

/** The request's cart owner; a member's anonymous cart (if any) is merged first. */
export async function cartOwner(request: FastifyRequest, reply?: FastifyReply): Promise<RequestOwner> {
  const { user, cartKey } = request;
  if (!user) return { owner: cartKey ? { cartKey } : null, capped: [] };
  if (!cartKey) return { owner: { userId: user.id }, capped: [] };
  const app = request.server;
  const merged = await app.services.cart.mergeAnonymousCart(cartKey, user.id);
  if (reply) {
    // The key is retired: a browser that signs out later starts a new anonymous cart.
    const domain = sharedCookieDomain(app.config);
    reply.clearCookie(CART_COOKIE, { path: '/', ...(domain ? { domain } : {}) });
    request.cartKey = null;
  }
  return { owner: { userId: user.id }, capped: merged.capped };
}
