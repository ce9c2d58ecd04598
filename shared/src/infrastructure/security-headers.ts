import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The security headers helmet would set, computed once. Our policy has no per-request parts
 * (no nonces), so every response can carry the same precomputed set instead of running the
 * helmet middleware (and re-reading the CSP directives) on each request.
 */
export function computeSecurityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let finished = false;
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => {
    finished = true;
  });
  // helmet finishes synchronously; if a future version stopped doing so we must not ship half a set.
  if (!finished) throw new Error('helmet did not finish synchronously');
  return headers;
}
