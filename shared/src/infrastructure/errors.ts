/**
 * The stable error-code table. Codes are `<DOMAIN>_<THING>_<PROBLEM>`; each maps to one HTTP
 * status, applied once by the factory's error handler. Expected outcomes inside services are
 * values (`{ ok: false, reason }`); an AppError is for the edge.
 */
export const ERROR_CODES = {
  HTTP_ROUTE_NOT_FOUND: { status: 404, message: 'Page not found' },
  HTTP_REQUEST_INVALID: { status: 400, message: 'The request was not valid' },
  HTTP_BODY_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  HTTP_MEDIA_TYPE_UNSUPPORTED: { status: 415, message: 'Unsupported content type' },
  HTTP_METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed' },
  HTTP_RATE_LIMITED: { status: 429, message: 'Too many requests; please wait and try again' },
  AUTH_SESSION_REQUIRED: { status: 401, message: 'Please sign in' },
  AUTH_ADMIN_REQUIRED: { status: 403, message: 'Only administrators can do that' },
  AUTH_SIGNATURE_INVALID: { status: 401, message: 'The request signature is missing, stale or wrong' },
  AUTH_CSRF_INVALID: {
    status: 403,
    message: 'The form expired or was not sent from this site; please try again',
  },
  INTERNAL_TOKEN_INVALID: { status: 403, message: 'Internal endpoint' },
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

/** Lets a domain register more codes while keeping one table (e.g. CART_ITEM_SOLD_OUT). */
export function registerErrorCodes(codes: Record<string, { status: number; message: string }>): void {
  Object.assign(ERROR_CODES as Record<string, unknown>, codes);
}
