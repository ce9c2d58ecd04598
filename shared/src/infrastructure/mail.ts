import type { FastifyBaseLogger } from 'fastify';
import type nodemailer from 'nodemailer';
import type { AppConfig } from '../config/index.ts';
import { lazyRequire } from './lazy.ts';

/** nodemailer is loaded with the first mail sent, not by every app at start. */
const mailerModule = lazyRequire<typeof nodemailer>('nodemailer');

/** A file sent with a mail (an `.ics` invitation, a ticket's QR code shown inline by `cid`). */
export interface MailAttachment {
  filename: string;
  content: string | Buffer;
  contentType: string;
  /** Set to reference the attachment from the HTML part as `cid:<cid>`. */
  cid?: string;
}

/** One outgoing e-mail: always both a plain-text and an HTML part. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments?: MailAttachment[];
}

/** A mail kept by the development outbox (shown at federation `/dev/mail`). */
export interface OutboxMail extends MailMessage {
  id: number;
  from: string;
  sentAt: Date;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  /** Development only: the most recent mails, newest first (empty elsewhere). */
  outbox(): OutboxMail[];
  close(): void;
}

const OUTBOX_LIMIT = 50;

/**
 * Sends mail with nodemailer over `SMTP_URL`. Without an SMTP URL outside production (local
 * development), mails go to the log and to an in-memory outbox instead, so sign-in links can be
 * followed without a mail server. Production without SMTP_URL logs a warning per mail.
 */
export function createMailer(config: AppConfig, logger: FastifyBaseLogger): Mailer {
  const from = config.mail.from;
  const kept: OutboxMail[] = [];
  let nextId = 1;
  let transport: ReturnType<typeof nodemailer.createTransport> | null | undefined;
  const smtp = () => {
    transport ??= config.mail.smtpUrl ? mailerModule().createTransport(config.mail.smtpUrl) : null;
    return transport;
  };
  const keepsOutbox = config.env === 'development';

  return {
    async send(message) {
      if (keepsOutbox) {
        kept.unshift({ ...message, id: nextId++, from, sentAt: new Date() });
        kept.length = Math.min(kept.length, OUTBOX_LIMIT);
      }
      const sender = smtp();
      if (sender) {
        await sender.sendMail({ from, ...message });
        logger.info({ to: message.to, subject: message.subject }, 'mail sent');
        return;
      }
      if (config.isProduction) {
        logger.warn({ to: message.to, subject: message.subject }, 'mail not sent: SMTP_URL is not set');
        return;
      }
      // Development without SMTP: the log is the mailbox.
      logger.info({ to: message.to, subject: message.subject, text: message.text }, 'mail (not sent)');
    },
    outbox() {
      return keepsOutbox ? [...kept] : [];
    },
    close() {
      transport?.close();
    },
  };
}
