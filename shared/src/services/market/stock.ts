/**
 * Product stock held for unpaid cart orders. Holding stock is a conditional update of the
 * product row (`stock_quantity >= qty`): under concurrent checkouts Postgres re-checks the
 * condition after waiting for the row lock, so the last item is sold once and stock never goes
 * below zero. Products whose stock is not tracked (null) are always available.
 */
import { and, eq, isNull, or, sql } from 'drizzle-orm';
import type { HeldLine, ReserveResult, StockLine } from '../../contracts/dtos.ts';
import type { MarketService } from '../../contracts/protocols.ts';
import type { DatabaseHandle, DatabaseLike } from '../../db/client.ts';
import { products } from '../../db/schema/index.ts';

export interface ProductStockDeps {
  db: DatabaseHandle;
}

/** Thrown inside the savepoint so lines already taken by this call are given back. */
class Refused extends Error {
  readonly refusal: Extract<ReserveResult, { ok: false }>;

  constructor(refusal: Extract<ReserveResult, { ok: false }>) {
    super(`cannot hold product ${refusal.id}: ${refusal.reason}`);
    this.refusal = refusal;
  }
}

/**
 * Same ids summed, in id order: every checkout locks rows in the same order, so two checkouts
 * holding the same products can never deadlock.
 */
export function normaliseLines(items: readonly StockLine[]): StockLine[] {
  const byId = new Map<number, number>();
  for (const item of items) byId.set(item.id, (byId.get(item.id) ?? 0) + item.quantity);
  return [...byId.entries()].sort(([a], [b]) => a - b).map(([id, quantity]) => ({ id, quantity }));
}

/** `reserveStock` and `releaseStock` of the MarketService. */
export function createProductStock({
  db,
}: ProductStockDeps): Pick<MarketService, 'reserveStock' | 'releaseStock'> {
  return {
    async reserveStock(items, tx) {
      const lines = normaliseLines(items);
      if (lines.length === 0) return { ok: true, lines: [] };
      try {
        // A savepoint inside the caller's transaction (or a transaction of our own): a refusal
        // rolls back exactly what this call took.
        return await (tx ?? db.db).transaction(async (t) => {
          const held: HeldLine[] = [];
          for (const line of lines) {
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
            if (!row) {
              const [product] = await t
                .select({ name: products.name, isActive: products.isActive, stock: products.stockQuantity })
                .from(products)
                .where(eq(products.id, line.id));
              throw new Refused({
                ok: false,
                id: line.id,
                name: product?.name ?? 'An item',
                reason: product?.isActive ? 'sold-out' : 'inactive',
                available: product?.isActive ? (product.stock ?? 0) : 0,
              });
            }
            held.push(row);
          }
          return { ok: true as const, lines: held };
        });
      } catch (err) {
        if (err instanceof Refused) return err.refusal;
        throw err;
      }
    },

    async releaseStock(items, tx) {
      const lines = normaliseLines(items);
      if (lines.length === 0) return;
      const run = async (t: DatabaseLike) => {
        // In id order, like reserveStock (the update takes the row lock).
        for (const line of lines) {
          await t
            .update(products)
            .set({ stockQuantity: sql`${products.stockQuantity} + ${line.quantity}` })
            .where(eq(products.id, line.id));
        }
      };
      await (tx ? run(tx) : db.db.transaction(run));
    },
  };
}
