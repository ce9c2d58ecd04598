/**
 * Links to one order that work without signing in: the confirmation e-mail and SumUp's return
 * carry `?t=<token>`, an HMAC of the order number under the cookie keys (the newest signs; every
 * key still verifies, so a key rotation does not break links already mailed).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AppConfig } from '@rose-ash/shared/config/index.ts';

const PURPOSE = 'rose-ash:cart:order-link:';

function mac(key: string, number: string): string {
  return createHmac('sha256', key)
    .update(PURPOSE + number)
    .digest('base64url')
    .slice(0, 32);
}

/** The bearer token for one order's page. */
export function orderToken(config: AppConfig, number: string): string {
  const [key] = config.secrets.cookieKeys;
  if (!key) throw new Error('no cookie key to sign order links with');
  return mac(key, number);
}

/** True when `token` was issued for `number` under any current cookie key. */
export function isOrderToken(config: AppConfig, number: string, token: string | undefined): boolean {
  if (!token) return false;
  const given = Buffer.from(token);
  return config.secrets.cookieKeys.some((key) => {
    const expected = Buffer.from(mac(key, number));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

/** The order page's absolute URL; with the token unless `bare` (members reach it signed in). */
export function orderUrl(config: AppConfig, number: string, opts: { bare?: boolean; path?: string } = {}) {
  const base = `${config.apps.cart.publicUrl}/orders/${encodeURIComponent(number)}${opts.path ?? ''}`;
  return opts.bare ? base : `${base}?t=${orderToken(config, number)}`;
}
