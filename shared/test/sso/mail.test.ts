import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer } from '../../src/infrastructure/mail.ts';
import { testConfig } from '../../src/testing/config.ts';
import { type SmtpReceiver, startSmtpReceiver } from '../../src/testing/smtp.ts';

let smtp: SmtpReceiver;
beforeAll(async () => {
  smtp = await startSmtpReceiver();
});
afterAll(() => smtp.close());

const message = {
  to: 'Someone@Example.test',
  subject: 'Hello',
  text: 'Plain body https://x.test/a',
  html: '<p>HTML body</p>',
};

describe('mailer', () => {
  it('sends plain-text and HTML parts over SMTP_URL', async () => {
    const mailer = createMailer(testConfig({ env: { SMTP_URL: smtp.url } }), pino({ level: 'silent' }));
    await mailer.send(message);
    const mail = await smtp.waitForMail('someone@example.test');
    expect(mail.subject).toBe('Hello');
    expect(mail.text).toContain('Plain body');
    expect(mail.html).toContain('<p>HTML body</p>');
    expect(mail.from).toContain('Rose Ash');
    expect(mailer.outbox()).toEqual([]);
    mailer.close();
  });

  it('in development without SMTP, logs the mail and keeps it in the outbox', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const mailer = createMailer(testConfig({ env: { NODE_ENV: 'development' } }), logger);
    await mailer.send(message);
    expect(mailer.outbox()).toHaveLength(1);
    expect(mailer.outbox()[0]?.subject).toBe('Hello');
    expect(lines.join('')).toContain('https://x.test/a');
  });
});
