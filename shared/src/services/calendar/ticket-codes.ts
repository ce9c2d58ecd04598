/**
 * Ticket codes and their QR codes. A code is 12 characters from an unambiguous alphabet
 * (no 0/O, 1/I/L), drawn without modulo bias from the OS's CSPRNG: 31^12 ≈ 2^59 possibilities,
 * so codes cannot be guessed, and the unique index catches the (astronomically rare) repeat.
 * The QR code carries the door-check URL with the code, so any phone camera opens the check.
 */
import { randomInt } from 'node:crypto';
import type QRCodeModule from 'qrcode';
import { lazyRequire } from '../../infrastructure/lazy.ts';

/** The QR encoder is loaded when the first ticket is shown or mailed. */
const qrcode = lazyRequire<typeof QRCodeModule>('qrcode');

/** Unambiguous alphabet for codes read aloud at the door. */
export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 12;

/** A fresh code, e.g. `K7QX-M2PA-9RTE`. */
export function newTicketCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) {
    if (i > 0 && i % 4 === 0) code += '-';
    code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  }
  return code;
}

const CODE_PATTERN = new RegExp(`^[${CODE_ALPHABET}]{4}-[${CODE_ALPHABET}]{4}-[${CODE_ALPHABET}]{4}$`);

/**
 * The canonical form of what a door person typed or a scanner read: upper case, hyphens where
 * they belong, spaces dropped; a check URL is reduced to its `code` parameter. Null when it
 * cannot be a code (the check then says "unknown" without asking the database).
 */
export function normalizeTicketCode(input: string): string | null {
  let raw = input.trim();
  if (raw.length > 2_000) return null;
  if (/^https?:\/\//i.test(raw)) {
    try {
      raw = new URL(raw).searchParams.get('code') ?? '';
    } catch {
      return null;
    }
  }
  const compact = raw.toUpperCase().replace(/[\s-]/g, '');
  if (compact.length !== CODE_LENGTH) return null;
  const code = `${compact.slice(0, 4)}-${compact.slice(4, 8)}-${compact.slice(8)}`;
  return CODE_PATTERN.test(code) ? code : null;
}

/** The URL a ticket's QR code holds: the admins' door check with the code filled in. */
export function ticketCheckUrl(eventsPublicUrl: string, code: string): string {
  return `${eventsPublicUrl}/tickets/check?code=${encodeURIComponent(code)}`;
}

/** The QR code of a ticket as an SVG document (pages). */
export function ticketQrSvg(eventsPublicUrl: string, code: string): Promise<string> {
  return qrcode().toString(ticketCheckUrl(eventsPublicUrl, code), {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: 2,
  });
}

/** The QR code of a ticket as PNG bytes (e-mail attachments shown inline). */
export function ticketQrPng(eventsPublicUrl: string, code: string): Promise<Buffer> {
  return qrcode().toBuffer(ticketCheckUrl(eventsPublicUrl, code), {
    type: 'png',
    errorCorrectionLevel: 'M',
    margin: 2,
    width: 240,
  });
}
