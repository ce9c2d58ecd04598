/** What every account page shares: the section menu, the signed-in member, the CSRF field. */
import type { SessionUser } from '@rose-ash/shared/infrastructure/auth-types.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

/** The account's sections, in menu order (`section` names the current one in templates). */
export const SECTIONS = [
  { key: 'overview', href: '/', label: 'Overview' },
  { key: 'profile', href: '/profile', label: 'Profile' },
  { key: 'newsletters', href: '/newsletters', label: 'Newsletters' },
  { key: 'tickets', href: '/tickets', label: 'Tickets' },
  { key: 'bookings', href: '/bookings', label: 'Bookings' },
  { key: 'orders', href: '/orders', label: 'Orders' },
  { key: 'calendar', href: '/calendar', label: 'Calendar feed' },
  { key: 'sessions', href: '/sessions', label: 'Signed-in devices' },
  { key: 'data', href: '/data', label: 'Your data' },
] as const;
export type SectionKey = (typeof SECTIONS)[number]['key'];

/** The `_csrf` field every form carries. */
export const Csrf = z.string().max(200).optional();
export const CsrfForm = z.object({ _csrf: Csrf });

/** The signed-in member of a route behind `requireUser`. */
export function member(request: FastifyRequest): SessionUser {
  if (!request.user) throw new AppError('AUTH_SESSION_REQUIRED');
  return request.user;
}

/** A member's own page: never stored by a cache on the way. */
export function privatePage(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'private, no-store');
}

/** The base context of a section page. */
export function sectionContext(section: SectionKey, title: string) {
  return { title, section, sections: SECTIONS };
}
