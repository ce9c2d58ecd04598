/**
 * Product stock held for unpaid cart orders. Holding stock is a conditional update of the
 * product row (`stock_quantity >= qty`): under concurrent checkouts Postgres re-checks the
 * condition after waiting for the row lock, so the last item is sold once and stock never goes
 * below zero. Products whose stock is not tracked (null) are always available.
 */
import { and, eq, isNull, or, sql } from 'drizzle-orm';
import type { MarketService } from '../../contracts/protocols.ts';
import type { DatabaseHandle } from '../../db/client.ts';
import { products } from '../../db/schema/index.ts';
import { holdAll, releaseAll } from '../holding.ts';

export interface ProductStockDeps {
  db: DatabaseHandle;
}

/** `reserveStock` and `releaseStock` of the MarketService. */
export function createProductStock({
  db,
}: ProductStockDeps): Pick<MarketService, 'reserveStock' | 'releaseStock'> {
  return {
    reserveStock: (items, tx) =>
      holdAll(db, tx, items, async (t, line) => {
        const [row] = await t
          .update(products)
          // null - n is null: untracked stock stays untracked.
          .set({ stockQuantity: sql`${products.stockQuantity} - ${line.quantity}` })
          .where(
            and(
              eq(products.id, line.id),
              eq(products.isActive, true),
              or(isNull(products.stockQuantity), sql`${products.stockQuantity} >= ${line.quantity}`),
            ),
          )
          .returning({
            id: products.id,
            name: products.name,
            sku: products.sku,
            unitPricePence: products.pricePence,
            currency: products.currency,
          });
        if (row) return row;
        const [product] = await t
          .select({ name: products.name, isActive: products.isActive, stock: products.stockQuantity })
          .from(products)
          .where(eq(products.id, line.id));
        return {
          ok: false,
          id: line.id,
          name: product?.name ?? 'An item',
          reason: product?.isActive ? 'sold-out' : 'inactive',
          available: product?.isActive ? (product.stock ?? 0) : 0,
        };
      }),

    // In id order, like reserveStock (the update takes the row lock).
    releaseStock: (items, tx) =>
      releaseAll(db, tx, items, async (t, line) => {
        await t
          .update(products)
          .set({ stockQuantity: sql`${products.stockQuantity} + ${line.quantity}` })
          .where(eq(products.id, line.id));
      }),
  };
}
