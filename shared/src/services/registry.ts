/**
 * The one service registry: every domain's implementation behind its protocol, built once at
 * start-up (see wiring.ts) and decorated on every app as `app.services`.
 */
import type {
  AccountService,
  BlogService,
  CalendarService,
  CartService,
  FederationService,
  MarketService,
} from '../contracts/protocols.ts';

export interface ServiceRegistry {
  readonly blog: BlogService;
  readonly market: MarketService;
  readonly cart: CartService;
  readonly calendar: CalendarService;
  readonly federation: FederationService;
  readonly account: AccountService;
}

/** Builds the (frozen) registry. */
export function createRegistry(impls: ServiceRegistry): ServiceRegistry {
  return Object.freeze({
    blog: impls.blog,
    market: impls.market,
    cart: impls.cart,
    calendar: impls.calendar,
    federation: impls.federation,
    account: impls.account,
  });
}

/** A copy of `registry` with some implementations swapped (tests: `withOverrides(r, { market: fake })`). */
export function withOverrides(
  registry: ServiceRegistry,
  overrides: Partial<ServiceRegistry>,
): ServiceRegistry {
  return Object.freeze({ ...registry, ...overrides });
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every domain's service, from the one registry wired at start-up. */
    services: ServiceRegistry;
  }
}
