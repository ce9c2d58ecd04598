/**
 * Market search: full text over name, description, category and supplier; a name match ranks
 * above a description match; the last word matches as a prefix; accents are folded (where the
 * database has unaccent); matches are highlighted (escaped); hostile queries are just queries.
 */
import { buildTestApp, type TestApp } from '@rose-ash/shared/testing/app.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalogue } from '../../shared/test/fragments/seed.ts';
import { buildApp } from '../src/app.ts';

let t: TestApp;
let marketSlug: string;
const get = (url: string) =>
  t.app.inject({ url, headers: { accept: 'text/html' }, cookies: { market_sso_checked: '1' } });
const names = (body: string) =>
  [...body.matchAll(/class="product-card-name">(.*?)<\/h3>/g)].map((m) =>
    (m[1] as string).replace(/<\/?mark>/g, ''),
  );
const search = async (q: string, extra = '') => get(`/${marketSlug}/?q=${encodeURIComponent(q)}${extra}`);

beforeAll(async () => {
  t = await buildTestApp(buildApp);
  const seeded = await seedCatalogue(t.database.handle, {
    products: [
      { name: 'Plum jam', description: 'Made in small batches.', category: 'Preserves' },
      { name: 'Damson gin', description: 'Steeped with plum stones and damsons.', category: 'Drinks' },
      { name: 'Heritage tomatoes', description: 'Mixed colours, ripe on the vine.', category: 'Vegetables' },
      { name: 'Crème fraîche', description: 'Thick and tangy.', category: 'Dairy', supplier: 'Vale Dairy' },
      { name: 'Butter', description: 'Salted.', category: 'Dairy', supplier: 'Vale Dairy' },
      {
        name: 'Honey <script>alert(1)</script>',
        description: 'From the orchard hives.',
        category: 'Preserves',
      },
    ],
  });
  marketSlug = seeded.market.slug;
});
afterAll(() => t?.close());

describe('market search', () => {
  it('ranks a name match above a description match', async () => {
    const res = await search('plum');
    expect(res.statusCode).toBe(200);
    expect(names(res.body)).toEqual(['Plum jam', 'Damson gin']);
    expect(res.body).toContain('2 products for “plum”');
  });

  it('matches the last word as a prefix', async () => {
    expect(names((await search('tom')).body)).toEqual(['Heritage tomatoes']);
    expect(names((await search('heritage tomat')).body)).toEqual(['Heritage tomatoes']);
  });

  it('searches category and supplier names too', async () => {
    expect(names((await search('vale dairy')).body).sort()).toEqual(['Butter', 'Crème fraîche']);
    expect(names((await search('preserves')).body).sort()).toEqual([
      'Honey &lt;script&gt;alert(1)&lt;/script&gt;',
      'Plum jam',
    ]);
  });

  it('folds accents both ways (where the database has unaccent)', async (context) => {
    const { accentInsensitive } = await t.app.services.market.searchCapabilities();
    if (!accentInsensitive) {
      process.stderr.write('*** SKIPPED accent folding: this database has no unaccent extension\n');
      context.skip('no unaccent here');
    }
    expect(names((await search('creme fraiche')).body)).toEqual(['Crème fraîche']);
    expect(names((await search('crème')).body)).toEqual(['Crème fraîche']);
    expect(names((await search('fraich')).body)).toEqual(['Crème fraîche']);
  });

  it('highlights the matches, escaping the product text', async () => {
    const res = await search('honey');
    expect(res.body).toContain('<mark>Honey</mark> &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.body).not.toContain('<script>alert(1)');
    const desc = await search('stones');
    expect(desc.body).toMatch(/class="product-card-snippet">[^<]*<mark>stones<\/mark>/);
  });

  it('keeps the category filter and the counts to the search', async () => {
    const res = await search('dairy');
    expect(res.body).toMatch(/Dairy <span class="count">2<\/span>/);
    expect(res.body).not.toMatch(/Drinks <span class="count">/);
    expect(res.body).toMatch(/href="\/[^"]+\/c\/[^"]+\/\?q=dairy"/);
  });

  it('answers hostile and empty queries with a normal page', async () => {
    for (const q of [
      '"',
      '&',
      ':*',
      '!',
      '(',
      "'",
      '\\',
      'a & | ! <->',
      '"unclosed phrase',
      '-',
      'or',
      'x'.repeat(2_048),
      'plum '.repeat(400),
      '%',
      '\u00e9\u0301',
    ]) {
      const res = await search(q);
      expect(res.statusCode, q.slice(0, 20)).toBe(200);
      expect(res.body).not.toContain('Something went wrong');
    }
    const empty = await search('   ');
    expect(names(empty.body)).toHaveLength(6);
    const punctuation = await search('"&:*');
    expect(punctuation.body).toContain('Nothing matches');
    // The query is shown escaped.
    const reflected = await search('<img src=x onerror=alert(1)>');
    expect(reflected.body).not.toContain('<img src=x');
    expect(reflected.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('sorts results by price when asked', async () => {
    const res = await search('dairy', '&sort=price-desc');
    expect(res.statusCode).toBe(200);
    expect(names(res.body)).toHaveLength(2);
  });
});
