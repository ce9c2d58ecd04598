/**
 * The cart's SumUp client: the official SDK (`@sumup/sdk`, pinned: it is pre-1.0) pointed at
 * `config.sumup.apiBase` — SumUp itself, or the project's stub in tests and `pnpm dev`.
 */
import type { SumUpCheckout } from '@rose-ash/shared/services/cart/payments.ts';
import { toMajorUnits } from '@rose-ash/shared/services/cart/payments.ts';
import SumUpRuntime, { APIError as APIErrorRuntime } from '@sumup/sdk';

// The SDK's ESM type declarations use extensionless relative imports, which NodeNext cannot
// follow (every type would be lost); its CommonJS declarations resolve, so types come from there.
type APIConfig = import('@sumup/sdk', { with: { 'resolution-mode': 'require' }}).APIConfig;
type APIError<T> = import('@sumup/sdk', { with: { 'resolution-mode': 'require' }}).APIError<T>;
type Currency = import('@sumup/sdk', { with: { 'resolution-mode': 'require' }}).Currency;
type SumUp = import('@sumup/sdk', { with: { 'resolution-mode': 'require' }}).SumUp;

const SumUpClient = SumUpRuntime as unknown as new (config: APIConfig) => SumUp;
const isApiError = (err: unknown): err is APIError<unknown> =>
  err instanceof (APIErrorRuntime as unknown as new (...args: never[]) => object);

export interface CreateCheckoutInput {
  reference: string;
  amountPence: number;
  currency: string;
  description: string;
  /** Where SumUp POSTs its webhook. */
  webhookUrl: string;
  /** Where the payer's browser comes back to. */
  redirectUrl: string;
}

export interface SumUpGateway {
  readonly merchantCode: string;
  /** Creates a hosted checkout; throws SumUpUnavailable when SumUp cannot be reached or refuses. */
  createCheckout(input: CreateCheckoutInput): Promise<SumUpCheckout>;
  /** SumUp's current view of a checkout; null when SumUp does not know it (404). */
  getCheckout(checkoutId: string): Promise<SumUpCheckout | null>;
  /** Deactivates a pending checkout (it can no longer be paid); null when SumUp does not know it. */
  deactivateCheckout(checkoutId: string): Promise<SumUpCheckout | null>;
}

/** SumUp answered with an error or not at all. `status` is SumUp's HTTP status when it answered. */
export class SumUpUnavailable extends Error {
  readonly status: number | null;

  constructor(message: string, status: number | null) {
    super(message);
    this.name = 'SumUpUnavailable';
    this.status = status;
  }
}

/** Checkout ids are SumUp's UUID-like tokens; anything else never reaches a URL path. */
const CHECKOUT_ID = /^[A-Za-z0-9-]{1,64}$/;

export function createSumUpGateway(options: {
  apiKey: string;
  merchantCode: string;
  apiBase: string;
  timeoutMs?: number;
}): SumUpGateway {
  const client = new SumUpClient({
    apiKey: options.apiKey,
    host: options.apiBase,
    timeout: options.timeoutMs ?? 10_000,
    // Retries are ours (jobs with back-off); the SDK would also retry a 409, which must stay an answer.
    maxRetries: 0,
  });

  const unavailable = (err: unknown): SumUpUnavailable => {
    if (isApiError(err)) {
      const detail = typeof err.error === 'string' ? err.error : JSON.stringify(err.error);
      return new SumUpUnavailable(`SumUp answered ${err.status}: ${detail.slice(0, 300)}`, err.status);
    }
    return new SumUpUnavailable(`SumUp could not be reached: ${(err as Error).message}`, null);
  };

  const byId = async (
    checkoutId: string,
    call: (id: string) => Promise<unknown>,
  ): Promise<SumUpCheckout | null> => {
    if (!CHECKOUT_ID.test(checkoutId)) return null;
    try {
      return (await call(checkoutId)) as SumUpCheckout;
    } catch (err) {
      if (isApiError(err) && err.status === 404) return null;
      throw unavailable(err);
    }
  };

  return {
    merchantCode: options.merchantCode,

    async createCheckout(input) {
      try {
        const created = await client.checkouts.create({
          checkout_reference: input.reference,
          amount: toMajorUnits(input.amountPence, input.currency),
          currency: input.currency as Currency,
          merchant_code: options.merchantCode,
          description: input.description,
          return_url: input.webhookUrl,
          redirect_url: input.redirectUrl,
          hosted_checkout: { enabled: true },
        });
        return created as SumUpCheckout;
      } catch (err) {
        throw unavailable(err);
      }
    },

    getCheckout: (checkoutId) => byId(checkoutId, (id) => client.checkouts.get(id)),
    deactivateCheckout: (checkoutId) => byId(checkoutId, (id) => client.checkouts.deactivate(id)),
  };
}
