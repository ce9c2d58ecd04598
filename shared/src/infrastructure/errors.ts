/**
 * The one, stable error-code table (a test pins it). Codes are `<DOMAIN>_<THING>_<PROBLEM>`;
 * each maps to one HTTP status, applied once by the factory's error handler, which renders the
 * HTML error page or the JSON error. Expected outcomes inside services are values
 * (`{ ok: false, reason }`); an AppError is for the edge. `details` may carry `heading`,
 * `action` ({ href, label }), `retryAfter` (seconds) or, for ActivityPub clients, `activity`
 * (e.g. a Tombstone sent with a 410).
 */
export const ERROR_CODES = {
  // HTTP: what any route can answer, before or instead of its handler.
  HTTP_ROUTE_NOT_FOUND: { status: 404, message: 'Page not found' },
  HTTP_REQUEST_INVALID: { status: 400, message: 'The request was not valid' },
  HTTP_REQUEST_NUL_BYTE: {
    status: 400,
    message: 'The request contains a NUL character, which is never valid here',
  },
  HTTP_BODY_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  HTTP_MEDIA_TYPE_UNSUPPORTED: { status: 415, message: 'Unsupported content type' },
  HTTP_METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed' },
  HTTP_RATE_LIMITED: { status: 429, message: 'Too many requests; please wait and try again' },
  // AUTH: sessions, sign-in, signatures and tokens.
  AUTH_SESSION_REQUIRED: { status: 401, message: 'Please sign in' },
  AUTH_ADMIN_REQUIRED: { status: 403, message: 'Only administrators can do that' },
  AUTH_SIGNATURE_INVALID: { status: 401, message: 'The request signature is missing, stale or wrong' },
  AUTH_CSRF_INVALID: {
    status: 403,
    message: 'The form expired or was not sent from this site; please try again',
  },
  AUTH_SIGN_IN_EXPIRED: { status: 400, message: 'This sign-in has expired; please start again' },
  AUTH_SIGN_IN_REFUSED: { status: 400, message: 'This application cannot sign in here' },
  AUTH_SIGN_IN_UNAVAILABLE: {
    status: 503,
    message: 'Sign-in is unavailable right now; please try again shortly',
  },
  AUTH_LINK_INVALID: { status: 400, message: 'This link no longer works' },
  AUTH_CODE_INVALID: { status: 400, message: 'That code is not right' },
  AUTH_CODE_EXPIRED: { status: 400, message: 'This code no longer works' },
  AUTH_SIGN_IN_RATE_LIMITED: { status: 429, message: 'Too many sign-in requests' },
  AUTH_LOGOUT_TOKEN_INVALID: { status: 400, message: 'The logout token is not valid' },
  INTERNAL_TOKEN_INVALID: { status: 403, message: 'Internal endpoint' },
  // AP: ActivityPub inboxes.
  AP_ACTIVITY_INVALID: { status: 400, message: 'The body is not a valid activity' },
  AP_OBJECT_FOREIGN: { status: 400, message: 'The object is not from the actor’s origin' },
  AP_ACTOR_BLOCKED: { status: 403, message: 'This server or actor is blocked here' },
  // BLOG
  BLOG_POST_CONFLICT: {
    status: 409,
    message: 'This post was changed in Ghost since you opened it — reload to see the latest version',
  },
  BLOG_GHOST_REFUSED: { status: 502, message: 'Ghost did not accept the change; nothing was saved' },
  BLOG_GHOST_NOT_CONFIGURED: { status: 404, message: 'Ghost is not configured on this blog' },
  // MARKET
  MARKET_SCRAPER_UNKNOWN: { status: 404, message: 'No scraper is configured for that supplier' },
  MARKET_NOT_FOUND: { status: 404, message: 'No such market' },
  // CART
  CART_PAYMENT_UNAVAILABLE: {
    status: 503,
    message: 'Card payment is not available right now; your order is kept, please try again shortly',
  },
  CART_ORDER_NOT_PAYABLE: { status: 409, message: 'This order cannot be paid now' },
  CART_ORDER_ACTION_INVALID: { status: 409, message: 'That cannot be done to this order in its state' },
  // EVENTS
  // SOCIAL (the federation app's social hub and moderation)
  SOCIAL_USERNAME_REQUIRED: {
    status: 403,
    message: 'Choose your fediverse username first (on your social profile page)',
  },
  SOCIAL_AVATAR_INVALID: {
    status: 400,
    message: 'The avatar must be a PNG, JPEG or WebP image of at most 5 MB',
  },
  SOCIAL_ACTION_REFUSED: { status: 400, message: 'That cannot be done with this post or account' },
  // ACCOUNT
  ACCOUNT_CONFIRMATION_INVALID: {
    status: 400,
    message: 'This confirmation link no longer works; please ask for a new one',
  },
  ACCOUNT_EMAIL_TAKEN: { status: 409, message: 'That address belongs to another account' },
  ACCOUNT_BOOKING_TOO_LATE: { status: 409, message: 'This booking can no longer be cancelled here' },
  ACCOUNT_REQUESTS_LIMITED: { status: 429, message: 'Too many requests; please try again later' },
  // Generic resources.
  RESOURCE_NOT_FOUND: { status: 404, message: 'Not found' },
  RESOURCE_CONFLICT: { status: 409, message: 'The resource was changed elsewhere' },
  RESOURCE_GONE: { status: 410, message: 'This resource has been deleted' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'Service temporarily unavailable' },
  INTERNAL_ERROR: { status: 500, message: 'Something went wrong on our side' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly status: number;

  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? ERROR_CODES[code].message);
    this.code = code;
    this.details = details;
    this.name = 'AppError';
    this.status = ERROR_CODES[code].status;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

const DATABASE_OUTAGE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/**
 * Which backing service an error says is away: the cache (Redis, via the circuit breaker) or the
 * database (a refused or lost connection, Postgres shutting down or full). Such an error is an
 * outage, answered 503 with Retry-After, never a 500. Looks through wrapped causes (Drizzle
 * wraps the driver's error).
 */
export function outageOf(error: unknown): 'cache' | 'database' | null {
  for (
    let e = error as { name?: string; code?: unknown; message?: string; cause?: unknown } | undefined,
      depth = 0;
    e && depth < 6;
    e = e.cause as typeof e, depth++
  ) {
    if (e.name === 'CacheUnavailableError') return 'cache';
    const code = typeof e.code === 'string' ? e.code : '';
    if (DATABASE_OUTAGE_CODES.has(code) || /^08/.test(code)) return 'database';
    if (
      /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
        e.message ?? '',
      )
    ) {
      return 'database';
    }
  }
  return null;
}
