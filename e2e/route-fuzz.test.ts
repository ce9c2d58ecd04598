/**
 * Every route of all six apps, walked from their route tables (Fastify's onRoute, recorded as
 * `app.routeTable`), fed generated hostile input derived from each route's contract: no 5xx,
 * no stack trace or internal message in any body, and no markup payload reflected unescaped in
 * an HTML page. Routes added later are covered without editing this file.
 * Replay a failure with FUZZ_SEED=<the seed printed>.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../dev/src/cluster.ts';
import { APP_NAMES, type AppName } from '../shared/src/config/app-names.ts';
import { INTERNAL_HEADERS } from '../shared/src/contracts/widgets.ts';
import { type FuzzRequest, fuzzRequests, MARKUP_PAYLOADS, prng } from '../shared/src/testing/fuzz.ts';
import { formField } from '../shared/src/testing/http.ts';
import { signInAs } from '../shared/src/testing/sessions.ts';

const ADMIN = 'fuzz-admin@example.test';
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Requests per route and visitor (anonymous, then a signed-in admin with a valid CSRF token). */
const PER_ROUTE = 42;

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster([...APP_NAMES], { env: { ADMIN_EMAILS: ADMIN } });
}, 120_000);
afterAll(async () => cluster?.close());

/** Cookies and headers of a signed-in admin whose requests pass the CSRF check. */
async function adminHeaders(name: AppName): Promise<Record<string, string>> {
  const app = cluster.apps[name]!;
  const { cookies } = await signInAs(app, ADMIN, 'Fuzz Admin');
  // Any page with a form hands out a CSRF token and its cookie: every app has one.
  const page = await app.inject({
    url: name === 'federation' ? '/auth/login' : '/auth/logout',
    cookies,
    headers: { accept: 'text/html' },
  });
  const csrfCookie = page.cookies.find((c) => c.name === `${name}_csrf`);
  const token = formField(page.body, '_csrf') ?? '';
  const all = {
    ...cookies,
    ...(csrfCookie ? { [csrfCookie.name]: csrfCookie.value } : {}),
    [`${name}_sso_checked`]: '1',
  };
  return {
    cookie: Object.entries(all)
      .map(([k, v]) => `${k}=${v}`)
      .join('; '),
    'x-csrf-token': token,
    [INTERNAL_HEADERS.token]: cluster.config.secrets.internalToken,
  };
}

const LEAKS = [
  /\n\s+at .+:\d+:\d+\)?/, // a stack frame
  /node_modules/,
  /\/work\/|\/home\/|\/usr\/src\//,
  /ZodError|TypeError|ReferenceError|SyntaxError: Unexpected|DrizzleQueryError/,
  /relation ".*" does not exist|syntax error at or near|invalid input syntax for type/,
];

describe('route fuzz', () => {
  it('answers hostile input on every route of every app without a 5xx, a leak or an unescaped payload', async () => {
    const random = prng(SEED);
    const failures: string[] = [];
    let requests = 0;
    let routes = 0;
    const started = performance.now();
    const statuses: Record<string, number> = {};
    for (const name of APP_NAMES) {
      const app = cluster.apps[name]!;
      const table = app.routeTable.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
      routes += table.length;
      for (const route of table) {
        // A fresh admin session per route: fuzzing a sign-out route ends the one before.
        for (const base of [{}, await adminHeaders(name)]) {
          for (const req of fuzzRequests(route, { random, perRoute: PER_ROUTE, base })) {
            requests++;
            const res = await app.inject({
              method: req.method as 'GET',
              url: req.url,
              headers: req.headers,
              ...(req.payload !== undefined ? { payload: req.payload } : {}),
            });
            const bucket = `${Math.floor(res.statusCode / 100)}xx`;
            statuses[bucket] = (statuses[bucket] ?? 0) + 1;
            const problem = judge(req, res.statusCode, String(res.headers['content-type'] ?? ''), res.body);
            if (problem)
              failures.push(
                `${name} ${route.method} ${route.url} [${req.label}] ${req.url.slice(0, 120)} → ${problem}`,
              );
          }
        }
      }
    }
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `route fuzz: seed ${SEED}, ${routes} routes in ${APP_NAMES.length} apps, ${requests} requests in ${seconds.toFixed(1)} s (${JSON.stringify(statuses)}); ${failures.length} failures\n`,
    );
    expect(failures.slice(0, 25), `FUZZ_SEED=${SEED}`).toEqual([]);
    expect(requests).toBeGreaterThanOrEqual(5_000);
  }, 240_000);
});

function judge(req: FuzzRequest, status: number, type: string, body: string): string | null {
  if (status >= 500) return `status ${status}: ${body.slice(0, 200)}`;
  for (const leak of LEAKS) if (leak.test(body)) return `leaks ${leak}: ${body.match(leak)?.[0]}`;
  if (type.includes('text/html')) {
    for (const payload of MARKUP_PAYLOADS) {
      if (body.includes(payload)) return `reflects ${payload} unescaped`;
    }
  }
  void req;
  return null;
}
