/**
 * Browser journey for the cart: a product page's "Add to basket" form → the basket → checkout
 * → SumUp's hosted page (the project's stub, as `pnpm dev` uses it) → Pay → back on the order
 * page, which shows it paid → the confirmation e-mail, with the order number, arrives at a real
 * SMTP receiver. The market's product page belongs to the market issue; until it lands, the
 * journey starts from a stand-in page served at the market's origin with the same form.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../dev/src/cluster.ts';
import { launchChromium } from '../shared/src/testing/browser.ts';
import { type SmtpReceiver, startSmtpReceiver } from '../shared/src/testing/smtp.ts';
import { type SumUpStub, startSumUpStub } from '../shared/src/testing/sumup-stub.ts';
import { seedProduct } from '../shared/test/fragments/seed.ts';

let smtp: SmtpReceiver;
let stub: SumUpStub;
let cluster: Cluster;
let browser: Browser;

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  stub = await startSumUpStub();
  cluster = await startCluster(['market', 'cart'], {
    env: {
      SMTP_URL: smtp.url,
      SUMUP_API_KEY: stub.apiKey,
      SUMUP_MERCHANT_CODE: stub.merchantCode,
      SUMUP_API_BASE: stub.url,
      // The confirmation goes out through the cart's job runner, as in production.
      RUN_JOBS: 'true',
    },
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await cluster?.close();
  await stub?.close();
  await smtp?.close();
});

describe('cart journey', () => {
  it('product → basket → checkout → SumUp (stub) → Pay → order paid → confirmation e-mail', async () => {
    const market = cluster.url('market');
    const cart = cluster.url('cart');
    const product = await seedProduct(cluster.database.handle, {
      name: 'Blood oranges',
      pricePence: 325,
      stockQuantity: 6,
    });
    const productUrl = `${market}/products/${product.slug}/`;
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('response', (res) => {
      // Browsers ask every origin for /favicon.ico (the stub has none), and Playwright does not
      // intercept a redirect, so the way back to the stand-in product page reaches the market.
      const standIn = res.url() === productUrl;
      if (res.status() >= 400 && !standIn && !res.url().endsWith('/favicon.ico'))
        errors.push(`${res.status()} ${res.url()}`);
    });

    await context.route(productUrl, (route) =>
      route.fulfill({
        contentType: 'text/html; charset=utf-8',
        body: `<!doctype html><html lang="en"><title>${product.name}</title><h1>${product.name}</h1>
<form method="post" action="${cart}/add">
  <input type="hidden" name="sku" value="${product.sku}">
  <input type="hidden" name="return_to" value="${productUrl}">
  <label>Quantity <input name="quantity" value="2"></label>
  <button type="submit">Add to basket</button>
</form></html>`,
      }),
    );
    await page.goto(productUrl);
    await page.getByRole('button', { name: 'Add to basket' }).click();
    await page.waitForURL(productUrl);

    await page.goto(`${cart}/`);
    await expect(page.getByRole('heading', { name: 'Your basket' }).isVisible()).resolves.toBe(true);
    expect(await page.locator('.cart-line-name').first().textContent()).toBe('Blood oranges');
    expect(await page.getByLabel('Quantity of Blood oranges').inputValue()).toBe('2');
    expect(await page.locator('.cart-total-amount').textContent()).toBe('£6.50');
    await page.getByRole('link', { name: 'Checkout' }).click();

    await page.waitForURL(`${cart}/checkout`);
    await page.getByLabel('E-mail address').fill('journey@example.test');
    await page.getByLabel('Name').fill('Jo Urney');
    await page.getByLabel('Collect it').check();
    await page.getByLabel('Collection point').selectOption('town-square');
    await page.getByRole('button', { name: 'Continue to payment' }).click();

    // SumUp's hosted page (the stub), clearly a test payment.
    await page.waitForURL(new RegExp(`^${stub.url}/pay/`));
    expect(await page.getByRole('note').textContent()).toContain('TEST PAYMENT');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Pay £6.50');
    await page.getByRole('button', { name: 'Pay' }).click();

    // Back on the order page: paid (the return re-fetched the checkout from SumUp).
    await page.waitForURL(new RegExp(`^${cart}/orders/RA-\\d{4}-\\d{6}\\?t=`));
    const number = page.url().match(/RA-\d{4}-\d{6}/)?.[0] ?? '';
    expect(await page.locator('[data-status]').getAttribute('data-status')).toBe('paid');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`Order ${number}`);

    const mail = await smtp.waitForMail('journey@example.test', { timeoutMs: 20_000 });
    expect(mail.subject).toContain(number);
    expect(mail.text).toContain(number);
    expect(mail.text).toContain('2 x Blood oranges');
    expect(mail.html).toContain(number);
    expect(errors).toEqual([]);

    // The basket is empty now, and the stock was taken.
    await page.goto(`${cart}/`);
    expect(await page.getByText('Your basket is empty.').isVisible()).toBe(true);
    await context.close();
  });
});
