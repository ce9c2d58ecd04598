/**
 * The account app's e-mails. Confirmation links are sent while the member waits (as sign-in
 * links are): they are the answer to what they just asked. The notices to an old address
 * and the goodbye are best effort: a failure is logged, the change itself stands.
 */

import { escapeHtml } from '@rose-ash/shared/infrastructure/html-text.ts';
import { createMailer, type Mailer, type MailMessage } from '@rose-ash/shared/infrastructure/mail.ts';
import { CONFIRMATION_TTL_MINUTES } from '@rose-ash/shared/services/account/confirmations.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** The account app's outgoing mail (SMTP_URL; the log in development). */
    accountMailer: Mailer;
  }
}

export const accountMail = fp(
  async (app: FastifyInstance) => {
    const mailer = createMailer(app.config, app.log);
    app.decorate('accountMailer', mailer);
    app.addHook('onClose', async () => mailer.close());
  },
  { name: 'account-mail', fastify: '5.x' },
);

/** A mail from paragraphs: the text part as written, the HTML part escaped, links made links. */
function compose(to: string, subject: string, paragraphs: string[]): MailMessage {
  const html = paragraphs
    .map((p) =>
      /^https?:\/\/\S+$/.test(p)
        ? `<p><a href="${escapeHtml(p)}">${escapeHtml(p)}</a></p>`
        : `<p>${escapeHtml(p)}</p>`,
    )
    .join('');
  return { to, subject, text: `${paragraphs.join('\n\n')}\n`, html };
}

/** To the new address: the link that makes it the account's address. */
export function emailChangeLinkMail(o: { to: string; siteName: string; link: string; oldEmail: string }) {
  return compose(o.to, `Confirm your new ${o.siteName} e-mail address`, [
    `You asked to use this address for your ${o.siteName} account (now ${o.oldEmail}).`,
    `Open this link to confirm it (it works once, for ${CONFIRMATION_TTL_MINUTES} minutes):`,
    o.link,
    'If you did not ask for this, ignore this mail: nothing changes.',
  ]);
}

/** To the old address, when a change is asked for: nothing happens unless the new address confirms. */
export function emailChangeRequestedMail(o: {
  to: string;
  siteName: string;
  newEmail: string;
  accountUrl: string;
}) {
  return compose(o.to, `Your ${o.siteName} e-mail address may change`, [
    `Someone signed in to your ${o.siteName} account asked to change its e-mail address to ${o.newEmail}.`,
    'It changes only when the link sent to that address is opened.',
    `If this was not you, sign in and review the devices signed in to your account: ${o.accountUrl}/sessions`,
  ]);
}

/** To the old address, once the change is made. */
export function emailChangedMail(o: { to: string; siteName: string; newEmail: string }) {
  return compose(o.to, `Your ${o.siteName} e-mail address changed`, [
    `Your ${o.siteName} account now uses ${o.newEmail}. You will sign in with that address from now on.`,
    'If you did not make this change, reply to this mail at once.',
  ]);
}

/** To the member: the link that closes the account. */
export function closeAccountLinkMail(o: { to: string; siteName: string; link: string }) {
  return compose(o.to, `Confirm closing your ${o.siteName} account`, [
    `You asked to close your ${o.siteName} account. Open this link to confirm (it works once, for ${CONFIRMATION_TTL_MINUTES} minutes):`,
    o.link,
    'Closing removes your profile, newsletters, bookings and fediverse posts. Orders are kept for our accounts, without your name, e-mail or address.',
    'If you did not ask for this, ignore this mail: nothing changes.',
  ]);
}

/** The goodbye, to the address the account had. */
export function accountClosedMail(o: { to: string; siteName: string }) {
  return compose(o.to, `Your ${o.siteName} account is closed`, [
    `Your ${o.siteName} account is closed and your personal data removed. Thank you for being with us.`,
  ]);
}
