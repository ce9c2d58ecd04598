/**
 * The cart's side of a member's account: the orders their tickets came from, and forgetting
 * a customer whose account closes. Orders are financial records: they stay, with the personal
 * data removed and no longer linked to the member.
 */
import { eq, inArray } from 'drizzle-orm';
import type { CartService } from '../../contracts/protocols.ts';
import type { DatabaseHandle } from '../../db/client.ts';
import { carts, type OrderAddress, orders, payments } from '../../db/schema/index.ts';

/** What a forgotten customer's orders say instead of their name and e-mail. */
export const FORGOTTEN_NAME = '(account closed)';
export const FORGOTTEN_EMAIL = 'removed@account-closed.invalid';
const REMOVED = '(removed)';

export function createCustomerData(db: DatabaseHandle): Pick<CartService, 'getOrderRefs' | 'forgetCustomer'> {
  return {
    async getOrderRefs(orderIds) {
      const ids = [...new Set(orderIds)];
      if (!ids.length) return Object.freeze([]);
      const rows = await db.db
        .select({ id: orders.id, number: orders.number, status: orders.status })
        .from(orders)
        .where(inArray(orders.id, ids));
      return Object.freeze(rows.map((r) => Object.freeze(r)));
    },

    async forgetCustomer(userId, tx) {
      const run = async (t: NonNullable<typeof tx>) => {
        const own = await t
          .select({ id: orders.id, address: orders.address })
          .from(orders)
          .where(eq(orders.userId, userId))
          .for('update');
        for (const order of own) {
          // A delivery order must keep an address (a check constraint): only the country stays.
          const address: OrderAddress | null = order.address
            ? { line1: REMOVED, city: REMOVED, postcode: REMOVED, country: order.address.country }
            : null;
          await t
            .update(orders)
            .set({ userId: null, email: FORGOTTEN_EMAIL, name: FORGOTTEN_NAME, address, notes: null })
            .where(eq(orders.id, order.id));
        }
        if (own.length) {
          // SumUp's checkout documents may name the payer; the amounts and statuses stay.
          await t
            .update(payments)
            .set({ raw: null })
            .where(
              inArray(
                payments.orderId,
                own.map((o) => o.id),
              ),
            );
        }
        await t.delete(carts).where(eq(carts.userId, userId));
        return { orders: own.length };
      };
      return tx ? tx.transaction(run) : db.db.transaction(run);
    },
  };
}
