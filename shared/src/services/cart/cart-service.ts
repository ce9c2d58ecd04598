import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { CartSummaryDto, freeze } from '../../contracts/dtos.ts';
import type { CartService } from '../../contracts/protocols.ts';
import type { DatabaseHandle, DatabaseLike } from '../../db/client.ts';
import { cartItems, carts, products, ticketTypes } from '../../db/schema/index.ts';
import type { Cache } from '../../infrastructure/cache.ts';
import { invalidateFragment } from '../../infrastructure/fragments.ts';

export interface CartServiceDeps {
  db: DatabaseHandle;
  cache: Cache;
  /** ISO 4217 code totals are shown in (config.site.currency). */
  currency: string;
}

/** The line would ask for more than is left; rolls the transaction back. */
class SoldOut extends Error {}

type Owner = Parameters<CartService['getCartSummary']>[0];

/** Carts over the shared schema. Checkout and login merge arrive with the cart issue. */
export function createCartService({ db, cache, currency }: CartServiceDeps): CartService {
  /** The owner's live cart (never one merged away at login). */
  async function findCartId(tx: DatabaseLike, owner: Owner): Promise<number | null> {
    const where =
      'cartKey' in owner
        ? and(eq(carts.anonymousKey, owner.cartKey), isNull(carts.mergedIntoCartId))
        : and(eq(carts.userId, owner.userId), isNull(carts.mergedIntoCartId));
    const [row] = await tx.select({ id: carts.id }).from(carts).where(where).limit(1);
    return row?.id ?? null;
  }

  async function getOrCreateCartId(tx: DatabaseLike, owner: Owner): Promise<number> {
    const existing = await findCartId(tx, owner);
    if (existing) return existing;
    // ON CONFLICT DO NOTHING then re-read: concurrent first adds converge on one row.
    if ('cartKey' in owner) {
      await tx.insert(carts).values({ anonymousKey: owner.cartKey }).onConflictDoNothing();
    } else {
      await tx
        .insert(carts)
        .values({ userId: owner.userId })
        .onConflictDoNothing({ target: carts.userId, where: sql`${carts.mergedIntoCartId} is null` });
    }
    const id = await findCartId(tx, owner);
    if (!id) throw new Error('cart could not be created (anonymous key merged away?)');
    return id;
  }

  async function summarise(tx: DatabaseLike, cartId: number | null): Promise<CartSummaryDto> {
    if (cartId === null)
      return freeze(CartSummaryDto, { cartId: null, itemCount: 0, totalPence: 0, currency, lines: [] });
    const rows = await tx
      .select({
        id: cartItems.id,
        kind: cartItems.kind,
        productId: cartItems.productId,
        ticketTypeId: cartItems.ticketTypeId,
        quantity: cartItems.quantity,
        unitPricePence: cartItems.unitPricePence,
        productName: products.name,
        sku: products.sku,
        ticketName: ticketTypes.name,
      })
      .from(cartItems)
      .leftJoin(products, eq(products.id, cartItems.productId))
      .leftJoin(ticketTypes, eq(ticketTypes.id, cartItems.ticketTypeId))
      .where(eq(cartItems.cartId, cartId))
      .orderBy(asc(cartItems.id));
    const lines = rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      name: r.productName ?? r.ticketName ?? '',
      sku: r.sku,
      productId: r.productId,
      ticketTypeId: r.ticketTypeId,
      quantity: r.quantity,
      unitPricePence: r.unitPricePence,
      lineTotalPence: r.quantity * r.unitPricePence,
    }));
    return freeze(CartSummaryDto, {
      cartId,
      itemCount: lines.reduce((n, l) => n + l.quantity, 0),
      totalPence: lines.reduce((n, l) => n + l.lineTotalPence, 0),
      currency,
      lines,
    });
  }

  return {
    async getCartSummary(owner) {
      return summarise(db.db, await findCartId(db.db, owner));
    },

    async addItem(owner, item) {
      const result = await db.db
        .transaction(async (tx) => {
          if ('sku' in item) {
            const [product] = await tx
              .select({ id: products.id, price: products.pricePence, stock: products.stockQuantity })
              .from(products)
              .where(and(eq(products.sku, item.sku), eq(products.isActive, true)))
              .orderBy(asc(products.id))
              .limit(1);
            if (!product) {
              const [any] = await tx
                .select({ id: products.id })
                .from(products)
                .where(eq(products.sku, item.sku))
                .limit(1);
              return { ok: false as const, reason: any ? ('inactive' as const) : ('unknown-item' as const) };
            }
            const cartId = await getOrCreateCartId(tx, owner);
            const [line] = await tx
              .insert(cartItems)
              .values({
                cartId,
                kind: 'product',
                productId: product.id,
                quantity: item.quantity,
                unitPricePence: product.price,
              })
              .onConflictDoUpdate({
                target: [cartItems.cartId, cartItems.productId],
                set: {
                  quantity: sql`${cartItems.quantity} + excluded.quantity`,
                  unitPricePence: sql`excluded.unit_price_pence`,
                },
              })
              .returning({ quantity: cartItems.quantity });
            // Stock is reserved at checkout; here it only stops asking for more than exists.
            if (product.stock !== null && (line?.quantity ?? 0) > product.stock) throw new SoldOut();
            return { ok: true as const, cartId };
          }
          const [type] = await tx
            .select({
              id: ticketTypes.id,
              price: ticketTypes.pricePence,
              quantity: ticketTypes.quantity,
              sold: ticketTypes.sold,
            })
            .from(ticketTypes)
            .where(eq(ticketTypes.id, item.ticketTypeId))
            .limit(1);
          if (!type) return { ok: false as const, reason: 'unknown-item' as const };
          const cartId = await getOrCreateCartId(tx, owner);
          const [line] = await tx
            .insert(cartItems)
            .values({
              cartId,
              kind: 'ticket',
              ticketTypeId: type.id,
              quantity: item.quantity,
              unitPricePence: type.price,
            })
            .onConflictDoUpdate({
              target: [cartItems.cartId, cartItems.ticketTypeId],
              set: {
                quantity: sql`${cartItems.quantity} + excluded.quantity`,
                unitPricePence: sql`excluded.unit_price_pence`,
              },
            })
            .returning({ quantity: cartItems.quantity });
          if ((line?.quantity ?? 0) > type.quantity - type.sold) throw new SoldOut();
          return { ok: true as const, cartId };
        })
        .catch((err: unknown) => {
          // Thrown inside the transaction so the over-quantity line is rolled back.
          if (err instanceof SoldOut) return { ok: false as const, reason: 'sold-out' as const };
          throw err;
        });
      if (!result.ok) return result;
      await invalidateFragment(
        cache,
        'cart-mini',
        'cartKey' in owner ? { cartKey: owner.cartKey } : { userId: owner.userId },
      );
      return { ok: true, cartId: result.cartId, summary: await summarise(db.db, result.cartId) };
    },
  };
}
