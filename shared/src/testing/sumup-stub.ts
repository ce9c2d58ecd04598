/**
 * A local server speaking the part of SumUp's API the cart uses (SUMUP.md): create a hosted
 * checkout (409 DUPLICATED_CHECKOUT on a repeated reference), read one, list by reference,
 * deactivate; plus the hosted payment page, clearly a test, whose Pay and Fail buttons settle
 * the checkout, POST the webhook to its `return_url` as SumUp does, and send the payer to its
 * `redirect_url`. Tests drive statuses directly (`setStatus`, `notify`, `tamper`).
 *
 * Used by the tests and by `pnpm dev` when SUMUP_API_KEY is not set.
 */

import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { escapeHtml } from '../infrastructure/html-text.ts';

export type StubCheckoutStatus = 'PENDING' | 'PAID' | 'FAILED' | 'EXPIRED';

export interface StubCheckout {
  id: string;
  checkout_reference: string;
  amount: number;
  currency: string;
  merchant_code: string;
  description?: string;
  return_url?: string;
  redirect_url?: string;
  status: StubCheckoutStatus;
  date: string;
  hosted_checkout_url: string;
  transactions: {
    id: string;
    transaction_code: string;
    amount: number;
    currency: string;
    status: 'SUCCESSFUL' | 'FAILED';
    payment_type: 'ECOM';
    timestamp: string;
  }[];
}

export interface SumUpStubRequest {
  method: string;
  path: string;
  body: unknown;
}

/** The two webhook payloads SUMUP.md describes. */
export type WebhookShape = 'legacy' | 'v2';

export interface SumUpStub {
  /** Base URL: the SDK's `host`, SUMUP_API_BASE. */
  url: string;
  apiKey: string;
  merchantCode: string;
  checkouts: Map<string, StubCheckout>;
  /** Every API request (not the hosted page), oldest first. */
  requests: SumUpStubRequest[];
  /** Webhook POSTs the stub made: target and the status code the cart answered. */
  webhooks: { url: string; body: unknown; status: number }[];
  byReference(reference: string): StubCheckout | undefined;
  /** Changes a checkout's status as SumUp would (a transaction for PAID / FAILED); no webhook. */
  setStatus(id: string, status: StubCheckoutStatus): void;
  /** Overwrites fields of a stored checkout (a test of the cart's checks). */
  tamper(id: string, fields: Partial<Omit<StubCheckout, 'id'>>): void;
  /** POSTs the webhook for a checkout to its return_url; resolves with the cart's status code. */
  notify(id: string, shape?: WebhookShape): Promise<number>;
  /** The next `count` API requests answer `status` (SumUp having a bad minute). */
  failNext(status: number, count?: number): void;
  close(): Promise<void>;
}

export interface SumUpStubOptions {
  apiKey?: string;
  merchantCode?: string;
  /** 0 (default): any free port. */
  port?: number;
  host?: string;
}

const MAX_BODY = 64 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startSumUpStub(options: SumUpStubOptions = {}): Promise<SumUpStub> {
  const apiKey = options.apiKey ?? `sup_sk_stub_${randomBytes(8).toString('hex')}`;
  const merchantCode = options.merchantCode ?? 'MSTUB001';
  const checkouts = new Map<string, StubCheckout>();
  const requests: SumUpStubRequest[] = [];
  const webhooks: SumUpStub['webhooks'] = [];
  let failures: { status: number; count: number } | null = null;
  let baseUrl = '';

  const settle = (checkout: StubCheckout, status: StubCheckoutStatus) => {
    checkout.status = status;
    if (status === 'PAID' || status === 'FAILED') {
      checkout.transactions.push({
        id: randomUUID(),
        transaction_code: `T${randomBytes(5).toString('hex').toUpperCase()}`,
        amount: checkout.amount,
        currency: checkout.currency,
        status: status === 'PAID' ? 'SUCCESSFUL' : 'FAILED',
        payment_type: 'ECOM',
        timestamp: new Date().toISOString(),
      });
    }
  };

  const notify = async (id: string, shape: WebhookShape = 'legacy'): Promise<number> => {
    const checkout = checkouts.get(id);
    if (!checkout?.return_url) throw new Error(`checkout ${id} has no return_url`);
    const body =
      shape === 'legacy'
        ? { event_type: 'CHECKOUT_STATUS_CHANGED', id }
        : {
            event_type: 'checkout.status.updated',
            id: randomUUID(),
            payload: { checkout_id: id, reference: checkout.checkout_reference, status: checkout.status },
            timestamp: new Date().toISOString(),
          };
    const res = await fetch(checkout.return_url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'SumUp-Webhooks/stub' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    webhooks.push({ url: checkout.return_url, body, status: res.status });
    return res.status;
  };

  const hostedPage = (checkout: StubCheckout) => {
    const amount = new Intl.NumberFormat('en-GB', { style: 'currency', currency: checkout.currency }).format(
      checkout.amount,
    );
    const settled = checkout.status !== 'PENDING';
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>TEST PAYMENT · SumUp stub</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}
.banner{background:#fde68a;border:2px dashed #b45309;padding:.75rem 1rem;font-weight:700}
button{font-size:1.1rem;padding:.6rem 1.4rem;margin-right:.5rem}</style></head><body>
<p class="banner" role="note">TEST PAYMENT — this is the project's SumUp stub. No card is charged and no money moves.</p>
<h1>Pay ${escapeHtml(amount)}</h1>
<p>${escapeHtml(checkout.description ?? '')}</p>
<p>Reference <code>${escapeHtml(checkout.checkout_reference)}</code> · status <strong>${checkout.status}</strong></p>
${
  settled
    ? '<p>This checkout is settled.</p>'
    : `<form method="post" action="/pay/${encodeURIComponent(checkout.id)}">
<button type="submit" name="action" value="pay">Pay</button>
<button type="submit" name="action" value="fail">Fail</button>
</form>`
}
</body></html>`;
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://stub.invalid');
      const path = url.pathname;
      const raw = await readBody(req);

      // The hosted payment page (no API key: the payer's browser).
      const pay = path.match(/^\/pay\/([^/]+)$/);
      if (pay) {
        const checkout = checkouts.get(decodeURIComponent(pay[1] as string));
        if (!checkout) {
          res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
          res.end('<!doctype html><title>Not found</title><p>No such checkout.</p>');
          return;
        }
        if (req.method === 'POST' && checkout.status === 'PENDING') {
          const action = new URLSearchParams(raw).get('action');
          // As in SumUp's sandbox, an amount of 11 always fails.
          settle(checkout, action === 'pay' && checkout.amount !== 11 ? 'PAID' : 'FAILED');
          if (checkout.return_url) await notify(checkout.id).catch(() => undefined);
          if (checkout.redirect_url) {
            res.writeHead(303, { location: checkout.redirect_url });
            res.end();
            return;
          }
        }
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(hostedPage(checkout));
        return;
      }

      let body: unknown = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        json(res, 400, { error_code: 'INVALID', message: 'Body is not JSON' });
        return;
      }
      requests.push({ method: req.method ?? 'GET', path: `${path}${url.search}`, body });
      if (req.headers.authorization !== `Bearer ${apiKey}`) {
        json(res, 401, { error_code: 'NOT_AUTHORIZED', message: 'Invalid access token' });
        return;
      }
      if (failures && failures.count > 0) {
        failures.count -= 1;
        json(res, failures.status, { error_code: 'INTERNAL_ERROR', message: 'Stubbed failure' });
        return;
      }

      if (path === '/v0.1/checkouts' && req.method === 'POST') {
        const b = (body ?? {}) as Record<string, unknown>;
        const reference = b['checkout_reference'];
        const problems: string[] = [];
        if (typeof reference !== 'string' || reference.length === 0 || reference.length > 64)
          problems.push('checkout_reference');
        if (typeof b['amount'] !== 'number' || !(b['amount'] > 0)) problems.push('amount');
        if (typeof b['currency'] !== 'string' || !/^[A-Z]{3}$/.test(b['currency'])) problems.push('currency');
        if (typeof b['merchant_code'] !== 'string') problems.push('merchant_code');
        if (problems.length) {
          json(
            res,
            400,
            problems.map((p) => ({ error_code: 'MISSING', message: 'Validation error', param: p })),
          );
          return;
        }
        if (b['merchant_code'] !== merchantCode) {
          json(res, 403, { error_code: 'FORBIDDEN', message: 'Merchant code not accessible' });
          return;
        }
        if ([...checkouts.values()].some((c) => c.checkout_reference === reference)) {
          json(res, 409, {
            error_code: 'DUPLICATED_CHECKOUT',
            message: 'Checkout with this checkout reference and pay to email already exists',
          });
          return;
        }
        const id = randomUUID();
        const checkout: StubCheckout = {
          id,
          checkout_reference: reference as string,
          amount: b['amount'] as number,
          currency: b['currency'] as string,
          merchant_code: merchantCode,
          ...(typeof b['description'] === 'string' ? { description: b['description'] } : {}),
          ...(typeof b['return_url'] === 'string' ? { return_url: b['return_url'] } : {}),
          ...(typeof b['redirect_url'] === 'string' ? { redirect_url: b['redirect_url'] } : {}),
          status: 'PENDING',
          date: new Date().toISOString(),
          hosted_checkout_url: `${baseUrl}/pay/${id}`,
          transactions: [],
        };
        checkouts.set(id, checkout);
        json(res, 201, checkout);
        return;
      }
      if (path === '/v0.1/checkouts' && req.method === 'GET') {
        const reference = url.searchParams.get('checkout_reference');
        json(
          res,
          200,
          [...checkouts.values()].filter((c) => !reference || c.checkout_reference === reference),
        );
        return;
      }
      const one = path.match(/^\/v0\.1\/checkouts\/([^/]+)$/);
      if (one) {
        const checkout = checkouts.get(decodeURIComponent(one[1] as string));
        if (!checkout) {
          json(res, 404, { error_code: 'NOT_FOUND', message: 'Resource not found' });
          return;
        }
        if (req.method === 'GET') {
          json(res, 200, checkout);
          return;
        }
        if (req.method === 'DELETE') {
          if (checkout.status !== 'PENDING') {
            json(res, 409, { error_code: 'CHECKOUT_PROCESSED', message: 'Checkout is already processed' });
            return;
          }
          checkout.status = 'EXPIRED';
          json(res, 200, checkout);
          return;
        }
      }
      json(res, 404, { error_code: 'NOT_FOUND', message: 'Resource not found' });
    })().catch(() => {
      if (!res.headersSent) json(res, 500, { error_code: 'INTERNAL_ERROR', message: 'stub error' });
      else res.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;

  return {
    url: baseUrl,
    apiKey,
    merchantCode,
    checkouts,
    requests,
    webhooks,
    byReference: (reference) => [...checkouts.values()].find((c) => c.checkout_reference === reference),
    setStatus(id, status) {
      const checkout = checkouts.get(id);
      if (!checkout) throw new Error(`no checkout ${id}`);
      settle(checkout, status);
    },
    tamper(id, fields) {
      const checkout = checkouts.get(id);
      if (!checkout) throw new Error(`no checkout ${id}`);
      Object.assign(checkout, fields);
    },
    notify,
    failNext(status, count = 1) {
      failures = { status, count };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
