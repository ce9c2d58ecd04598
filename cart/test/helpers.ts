/**
 * The cart app really listening (SumUp's webhook and hosted page call it over HTTP), wired to
 * the SumUp stub and a test SMTP receiver, plus a browser-like client and a few shortcuts.
 */
import { randomBytes } from 'node:crypto';
import type { CheckoutInputDto } from '@rose-ash/shared/contracts/dtos.ts';
import { CART_COOKIE } from '@rose-ash/shared/contracts/widgets.ts';
import { payments } from '@rose-ash/shared/db/schema/index.ts';
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { testConfig } from '@rose-ash/shared/testing/config.ts';
import { Browser, formField, freePort, listen } from '@rose-ash/shared/testing/http.ts';
import { signInAs } from '@rose-ash/shared/testing/sessions.ts';
import { type SmtpReceiver, startSmtpReceiver } from '@rose-ash/shared/testing/smtp.ts';
import { type SumUpStub, startSumUpStub } from '@rose-ash/shared/testing/sumup-stub.ts';
import { eq } from 'drizzle-orm';
import { buildApp } from '../src/app.ts';

export interface CartHarness {
  t: TestApp;
  stub: SumUpStub;
  smtp: SmtpReceiver;
  /** The cart's public base URL (it listens there). */
  url: string;
  close(): Promise<void>;
}

export async function startCartHarness(env: Record<string, string> = {}): Promise<CartHarness> {
  const stub = await startSumUpStub();
  const smtp = await startSmtpReceiver();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t = await buildTestApp(buildApp, {
    config: testConfig({
      env: {
        CART_PUBLIC_URL: url,
        CART_INTERNAL_URL: url,
        SUMUP_API_KEY: stub.apiKey,
        SUMUP_MERCHANT_CODE: stub.merchantCode,
        SUMUP_API_BASE: stub.url,
        SMTP_URL: smtp.url,
        ...env,
      },
    }),
  });
  await listen(t.app, port);
  return {
    t,
    stub,
    smtp,
    url,
    async close() {
      await t.close();
      await stub.close();
      await smtp.close();
    },
  };
}

export const newCartKey = () => randomBytes(18).toString('base64url');

/** A browser holding an anonymous cart key (what POST /add would have given it). */
export async function shopper(h: CartHarness, cartKey = newCartKey()): Promise<Browser> {
  const browser = new Browser();
  await browser.jar.setCookie(`${CART_COOKIE}=${cartKey}; Path=/; HttpOnly`, h.url);
  return browser;
}

/** A browser signed in to the cart as `email`. */
export async function member(h: CartHarness, email: string): Promise<{ browser: Browser; userId: number }> {
  const { cookies, userId } = await signInAs(h.t.app, email);
  const browser = new Browser();
  for (const [name, value] of Object.entries(cookies))
    await browser.jar.setCookie(`${name}=${value}; Path=/; HttpOnly`, h.url);
  return { browser, userId };
}

/** Fills and posts the checkout form (collection unless told otherwise); does not follow SumUp's redirect. */
export async function checkout(h: CartHarness, browser: Browser, fields: Record<string, string> = {}) {
  const form = await browser.get(`${h.url}/checkout`);
  if (form.status !== 200) throw new Error(`checkout form answered ${form.status}`);
  return browser.post(
    `${h.url}/checkout`,
    {
      _csrf: formField(form.text, '_csrf') ?? '',
      email: 'payer@example.test',
      name: 'Pat Payer',
      fulfilment: 'collection',
      collection_point: 'town-square',
      ...fields,
    },
    { follow: false },
  );
}

/** The order number in a URL or page. */
export function orderNumberIn(text: string): string {
  const match = text.match(/RA-\d{4}-\d{6,}/);
  if (!match) throw new Error(`no order number in ${text.slice(0, 200)}`);
  return match[0];
}

/** The stub checkout a hosted-page URL points at. */
export function checkoutOf(h: CartHarness, hostedUrl: string) {
  const id = hostedUrl.split('/pay/')[1] ?? '';
  const found = h.stub.checkouts.get(id);
  if (!found) throw new Error(`no stub checkout at ${hostedUrl}`);
  return found;
}

/** The payment row behind a SumUp checkout id. */
export async function paymentIdOf(h: CartHarness, checkoutId: string): Promise<number> {
  const [row] = await h.t.database.handle.db
    .select({ id: payments.id })
    .from(payments)
    .where(eq(payments.checkoutId, checkoutId));
  if (!row) throw new Error(`no payment for ${checkoutId}`);
  return row.id;
}

export const checkoutInput = (over: Partial<CheckoutInputDto> = {}): CheckoutInputDto => ({
  email: 'payer@example.test',
  name: 'Pat Payer',
  fulfilment: 'collection',
  collectionPoint: 'Town Square market stall',
  address: null,
  notes: null,
  deliveryPence: 0,
  userId: null,
  ...over,
});
