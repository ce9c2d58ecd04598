/** Builds every default implementation over one database and cache: the start-up wiring. */
import type { FastifyBaseLogger } from 'fastify';
import type { AppConfig } from '../config/index.ts';
import type { DatabaseHandle } from '../db/client.ts';
import type { Cache } from '../infrastructure/cache.ts';
import { createAccountService } from './account/account-service.ts';
import { createBlogService } from './blog/blog-service.ts';
import { createCalendarService } from './calendar/calendar-service.ts';
import { createCartService } from './cart/cart-service.ts';
import { createFederationService } from './federation/federation-service.ts';
import { createMarketService } from './market/market-service.ts';
import { createRegistry, type ServiceRegistry } from './registry.ts';

export interface ServiceDeps {
  db: DatabaseHandle;
  cache: Cache;
  config: AppConfig;
  /** Where services log what goes wrong with their integrations (e.g. a Ghost write-back). */
  log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
}

/** The registry every app gets unless a test passes its own (`AppDeps.services`). */
export function defaultServices(deps: ServiceDeps): ServiceRegistry {
  const { db, cache, config, log } = deps;
  const federation = createFederationService({ db, config, cache });
  const blog = createBlogService({ db, cache, config, federation, log });
  const market = createMarketService({ db, cache, config, federation, log });
  const calendar = createCalendarService({ db, cache, config, federation, blog, log });
  const cart = createCartService({
    db,
    cache,
    currency: config.site.currency,
    timezone: config.site.timezone,
    locale: config.site.locale,
    market,
    calendar,
  });
  return createRegistry({
    blog,
    market,
    cart,
    calendar,
    account: createAccountService({ db, cache, config, log, blog, calendar, cart, federation }),
    federation,
  });
}
