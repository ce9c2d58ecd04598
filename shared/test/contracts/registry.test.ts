import { describe, expect, expectTypeOf, it } from 'vitest';
import { CartSummaryDto, freeze, ProductDto } from '../../src/contracts/dtos.ts';
import type {
  AccountService,
  BlogService,
  CalendarService,
  CartService,
  FederationService,
  MarketService,
} from '../../src/contracts/protocols.ts';
import { createRegistry, type ServiceRegistry, withOverrides } from '../../src/services/registry.ts';
import type { defaultServices } from '../../src/services/wiring.ts';

const notCalled = () => {
  throw new Error('not called');
};
/** A stand-in whose every method throws (the tests here never call them). */
function fake<T extends object>(): T {
  return new Proxy({} as T, { get: (_t, key) => (key === 'then' ? undefined : notCalled) });
}
const fakes: ServiceRegistry = {
  blog: fake<BlogService>(),
  market: fake<MarketService>(),
  cart: fake<CartService>(),
  calendar: fake<CalendarService>(),
  account: fake<AccountService>(),
  federation: fake<FederationService>(),
};

describe('service registry', () => {
  it('has exactly one field per protocol, typed by that protocol', () => {
    expectTypeOf<ServiceRegistry>().toEqualTypeOf<{
      readonly blog: BlogService;
      readonly market: MarketService;
      readonly cart: CartService;
      readonly calendar: CalendarService;
      readonly federation: FederationService;
      readonly account: AccountService;
    }>();
    expectTypeOf<ReturnType<typeof defaultServices>>().toEqualTypeOf<ServiceRegistry>();
    expectTypeOf(withOverrides).parameter(1).toEqualTypeOf<Partial<ServiceRegistry>>();
    // An override must satisfy the protocol it replaces.
    // @ts-expect-error a market fake without getProductsBySku is not a MarketService
    withOverrides(createRegistry(fakes), { market: { listMarkets: notCalled } });
  });

  it('swaps one implementation for tests and leaves the others', async () => {
    const registry = createRegistry(fakes);
    const market: MarketService = {
      ...fake<MarketService>(),
      listMarkets: async () => [],
      getProductsBySku: async (skus) =>
        skus.map((sku, i) => freeze(ProductDto, { ...product, id: i + 1, sku })),
      reserveStock: notCalled,
      releaseStock: notCalled,
    };
    const swapped = withOverrides(registry, { market });
    expect(swapped.market).toBe(market);
    expect(swapped.cart).toBe(registry.cart);
    expect(registry.market).toBe(fakes.market);
    expect((await swapped.market.getProductsBySku(['A']))[0]?.sku).toBe('A');
    expect(Object.isFrozen(swapped)).toBe(true);
  });
});

const product = {
  id: 1,
  sku: 'X',
  slug: 'x',
  name: 'X',
  pricePence: 100,
  currency: 'GBP',
  unit: null,
  imageUrl: null,
  stockQuantity: null,
  isActive: true,
};

describe('DTOs', () => {
  it('are validated and deeply frozen at construction', () => {
    const summary = freeze(CartSummaryDto, {
      cartId: 1,
      itemCount: 1,
      totalPence: 100,
      currency: 'GBP',
      lines: [
        {
          id: 1,
          kind: 'product',
          name: 'X',
          detail: null,
          sku: 'X',
          productId: 1,
          ticketTypeId: null,
          quantity: 1,
          unitPricePence: 100,
          lineTotalPence: 100,
          priceChanged: false,
          available: null,
          problem: null,
        },
      ],
    });
    expect(Object.isFrozen(summary)).toBe(true);
    expect(Object.isFrozen(summary.lines)).toBe(true);
    expect(Object.isFrozen(summary.lines[0])).toBe(true);
    expect(() => {
      (summary as { totalPence: number }).totalPence = 5;
    }).toThrow(TypeError);
    expectTypeOf(summary.lines).toExtend<readonly unknown[]>();
    expect(() => freeze(ProductDto, { ...product, pricePence: -1 })).toThrow();
  });
});
