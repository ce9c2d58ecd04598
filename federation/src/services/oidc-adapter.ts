import type { Database } from '@rose-ash/shared/db/client.ts';
import { oidcPayloads } from '@rose-ash/shared/db/schema/users.ts';
import { and, eq, gt, isNull, lt, or } from 'drizzle-orm';
import type { Adapter, AdapterPayload } from 'oidc-provider';

/**
 * oidc-provider storage on Postgres: every model in `oidc_payloads`, keyed by (model, id).
 * Expired rows are invisible at once and deleted later by `purgeExpiredOidcPayloads`.
 */
export function createOidcAdapter(db: Database): new (model: string) => Adapter {
  const live = () => or(isNull(oidcPayloads.expiresAt), gt(oidcPayloads.expiresAt, new Date()));

  const toPayload = (row: { payload: Record<string, unknown>; consumedAt: Date | null } | undefined) =>
    row
      ? ({
          ...row.payload,
          ...(row.consumedAt ? { consumed: Math.floor(row.consumedAt.getTime() / 1000) } : {}),
        } as AdapterPayload)
      : undefined;

  const ANONYMOUS_SESSION_TTL_SECONDS = 10 * 60;
  return class DrizzleOidcAdapter implements Adapter {
    private readonly model: string;

    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      // A session nobody signed in to (an anonymous visit to /oidc/auth or /session/end) only
      // carries a form's state for a moment: keep it minutes, not the signed-in 14 days.
      if (this.model === 'Session' && !payload.accountId) {
        expiresIn = Math.min(expiresIn || ANONYMOUS_SESSION_TTL_SECONDS, ANONYMOUS_SESSION_TTL_SECONDS);
      }
      const row = {
        model: this.model,
        id,
        payload: payload as Record<string, unknown>,
        grantId: payload.grantId ?? null,
        userCode: payload.userCode ?? null,
        uid: payload.uid ?? null,
        expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
      };
      await db
        .insert(oidcPayloads)
        .values(row)
        .onConflictDoUpdate({
          target: [oidcPayloads.model, oidcPayloads.id],
          set: {
            payload: row.payload,
            grantId: row.grantId,
            userCode: row.userCode,
            uid: row.uid,
            expiresAt: row.expiresAt,
          },
        });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return this.findWhere(eq(oidcPayloads.id, id));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.findWhere(eq(oidcPayloads.userCode, userCode));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.findWhere(eq(oidcPayloads.uid, uid));
    }

    private async findWhere(condition: ReturnType<typeof eq>): Promise<AdapterPayload | undefined> {
      const [row] = await db
        .select({ payload: oidcPayloads.payload, consumedAt: oidcPayloads.consumedAt })
        .from(oidcPayloads)
        .where(and(eq(oidcPayloads.model, this.model), condition, live()))
        .limit(1);
      return toPayload(row);
    }

    async consume(id: string): Promise<void> {
      await db
        .update(oidcPayloads)
        .set({ consumedAt: new Date() })
        .where(and(eq(oidcPayloads.model, this.model), eq(oidcPayloads.id, id)));
    }

    async destroy(id: string): Promise<void> {
      await db.delete(oidcPayloads).where(and(eq(oidcPayloads.model, this.model), eq(oidcPayloads.id, id)));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await db.delete(oidcPayloads).where(eq(oidcPayloads.grantId, grantId));
    }
  };
}

/** Deletes expired provider rows; returns how many. Run periodically by federation. */
export async function purgeExpiredOidcPayloads(db: Database, now = new Date()): Promise<number> {
  const deleted = await db
    .delete(oidcPayloads)
    .where(lt(oidcPayloads.expiresAt, now))
    .returning({ id: oidcPayloads.id });
  return deleted.length;
}
