/**
 * The error-code table is part of the platform's contract (clients and tests match on codes):
 * this pins every code to its status. Adding or changing a code means changing this list too.
 */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/infrastructure/errors.ts';

const PINNED: Record<string, number> = {
  HTTP_ROUTE_NOT_FOUND: 404,
  HTTP_REQUEST_INVALID: 400,
  HTTP_REQUEST_NUL_BYTE: 400,
  HTTP_BODY_TOO_LARGE: 413,
  HTTP_MEDIA_TYPE_UNSUPPORTED: 415,
  HTTP_METHOD_NOT_ALLOWED: 405,
  HTTP_RATE_LIMITED: 429,
  AUTH_SESSION_REQUIRED: 401,
  AUTH_ADMIN_REQUIRED: 403,
  AUTH_SIGNATURE_INVALID: 401,
  AUTH_CSRF_INVALID: 403,
  AUTH_SIGN_IN_EXPIRED: 400,
  AUTH_SIGN_IN_REFUSED: 400,
  AUTH_SIGN_IN_UNAVAILABLE: 503,
  AUTH_LINK_INVALID: 400,
  AUTH_CODE_INVALID: 400,
  AUTH_CODE_EXPIRED: 400,
  AUTH_SIGN_IN_RATE_LIMITED: 429,
  AUTH_LOGOUT_TOKEN_INVALID: 400,
  INTERNAL_TOKEN_INVALID: 403,
  AP_ACTIVITY_INVALID: 400,
  AP_OBJECT_FOREIGN: 400,
  AP_ACTOR_BLOCKED: 403,
  BLOG_POST_CONFLICT: 409,
  BLOG_GHOST_REFUSED: 502,
  BLOG_GHOST_NOT_CONFIGURED: 404,
  CART_PAYMENT_UNAVAILABLE: 503,
  CART_ORDER_NOT_PAYABLE: 409,
  CART_ORDER_ACTION_INVALID: 409,
  MARKET_SCRAPER_UNKNOWN: 404,
  MARKET_NOT_FOUND: 404,
  SOCIAL_USERNAME_REQUIRED: 403,
  SOCIAL_AVATAR_INVALID: 400,
  SOCIAL_ACTION_REFUSED: 400,
  ACCOUNT_CONFIRMATION_INVALID: 400,
  ACCOUNT_EMAIL_TAKEN: 409,
  ACCOUNT_BOOKING_TOO_LATE: 409,
  ACCOUNT_REQUESTS_LIMITED: 429,
  RESOURCE_NOT_FOUND: 404,
  RESOURCE_CONFLICT: 409,
  RESOURCE_GONE: 410,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
};

describe('error codes', () => {
  it('are exactly the pinned table, each with a message', () => {
    expect(Object.fromEntries(Object.entries(ERROR_CODES).map(([code, e]) => [code, e.status]))).toEqual(
      PINNED,
    );
    for (const [code, e] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z]+(_[A-Z0-9]+){1,4}$/);
      expect(e.message.length, code).toBeGreaterThan(3);
    }
  });
});
