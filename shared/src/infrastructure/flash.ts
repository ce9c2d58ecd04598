/**
 * A one-time message carried across a redirect, even to another app ("Added to your basket"
 * after the cart's POST /add sends the shopper back to the market): a short-lived, signed,
 * HttpOnly cookie on the parent domain, shown by the next page any app renders and then
 * cleared. A page with a flash is never served from, nor stored in, the page cache.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppConfig } from '../config/index.ts';

export const FLASH_COOKIE = 'rose_ash_flash';

const Flash = z.object({ kind: z.enum(['info', 'success', 'error']), message: z.string().max(300) });
export type Flash = z.infer<typeof Flash>;

/**
 * The domain cookies shared by every app live on: the site's domain in production (the apps are
 * its subdomains); none in development and tests, where the apps share one host.
 */
export function sharedCookieDomain(config: AppConfig): string | undefined {
  return config.isProduction ? config.site.domain : undefined;
}

export function setFlash(reply: FastifyReply, config: AppConfig, flash: Flash): void {
  const domain = sharedCookieDomain(config);
  reply.setCookie(FLASH_COOKIE, JSON.stringify(Flash.parse(flash)), {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: config.isProduction,
    signed: true,
    maxAge: 120,
    ...(domain ? { domain } : {}),
  });
}

/** This request's flash, if any, cleared so it shows once. */
export function takeFlash(request: FastifyRequest, reply: FastifyReply, config: AppConfig): Flash | null {
  const raw = request.cookies[FLASH_COOKIE];
  if (!raw) return null;
  const domain = sharedCookieDomain(config);
  reply.clearCookie(FLASH_COOKIE, { path: '/', ...(domain ? { domain } : {}) });
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return null;
  try {
    const parsed = Flash.safeParse(JSON.parse(unsigned.value));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
