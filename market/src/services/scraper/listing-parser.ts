/**
 * Reading a supplier's listing page with cheerio and the scraper's CSS selectors: the items
 * (SKU, name, price, unit, image, link, description, category, stock) and the next page. An
 * item that cannot be read (no SKU or name, a price that does not parse) is reported as
 * failed with the reason; it is never stored with a made-up value.
 */
import { lazyRequire } from '@rose-ash/shared/infrastructure/lazy.ts';
import type * as Cheerio from 'cheerio';

/** cheerio is loaded with the first listing page a scrape reads, not by the market at start. */
const cheerio = lazyRequire<typeof Cheerio>('cheerio', import.meta.url);

import type { ScraperSettings } from '../settings.ts';

export interface RawItem {
  sku: string;
  name: string;
  description: string | null;
  pricePence: number;
  unit: string | null;
  imageUrl: string | null;
  sourceUrl: string | null;
  category: string | null;
  stockQuantity: number | null | undefined;
}

export interface ParsedListing {
  items: RawItem[];
  failures: { sku?: string; message: string }[];
  nextUrl: string | null;
}

type Selectors = ScraperSettings['selectors'];

export function parseListing(
  html: string,
  pageUrl: string,
  selectors: Selectors,
  options: { currencyDigits: number; category: string | null },
): ParsedListing {
  const $ = cheerio().load(html);
  const items: RawItem[] = [];
  const failures: ParsedListing['failures'] = [];

  /** `css` or `css@attr`; an empty css part reads the item element itself. */
  const pick = (root: ReturnType<typeof $>, spec: string | undefined): string | null => {
    if (!spec) return null;
    const at = spec.lastIndexOf('@');
    const css = (at >= 0 ? spec.slice(0, at) : spec).trim();
    const attr = at >= 0 ? spec.slice(at + 1).trim() : null;
    const node = css ? root.find(css).first() : root;
    if (!node.length) return null;
    const value = attr ? node.attr(attr) : node.text();
    const clean = value?.replace(/\s+/g, ' ').trim();
    return clean ? clean : null;
  };
  const resolve = (href: string | null): string | null => {
    if (!href) return null;
    try {
      const url = new URL(href, pageUrl);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch {
      return null;
    }
  };

  $(selectors.item).each((_i, el) => {
    const root = $(el);
    const sku = pick(root, selectors.sku);
    const name = pick(root, selectors.name);
    const priceText = pick(root, selectors.price);
    if (!sku || sku.length > 100) {
      failures.push({ message: `an item without a usable SKU${name ? ` (“${name.slice(0, 80)}”)` : ''}` });
      return;
    }
    if (!name) {
      failures.push({ sku, message: 'an item without a name' });
      return;
    }
    const price = priceText ? parsePrice(priceText, options.currencyDigits) : null;
    if (price === null) {
      failures.push({ sku, message: `the price does not parse: “${(priceText ?? '').slice(0, 60)}”` });
      return;
    }
    const stockText = pick(root, selectors.stock);
    items.push({
      sku,
      name: name.slice(0, 300),
      description: pick(root, selectors.description)?.slice(0, 5_000) ?? null,
      pricePence: price,
      unit: (pick(root, selectors.unit) ?? unitFromPrice(priceText ?? ''))?.slice(0, 60) ?? null,
      imageUrl: resolve(pick(root, selectors.image)),
      sourceUrl: resolve(pick(root, selectors.link)),
      category: pick(root, selectors.category)?.slice(0, 120) ?? options.category,
      stockQuantity: stockText === null ? undefined : parseStock(stockText),
    });
  });

  const nextSpec = selectors.next_page;
  const nextHref = nextSpec
    ? nextSpec.includes('@')
      ? pick($.root(), nextSpec)
      : ($(nextSpec).first().attr('href') ?? null)
    : null;
  return { items, failures, nextUrl: resolve(nextHref) };
}

/**
 * Minor units from a price as suppliers write it: "£2.50", "2,50 €", "GBP 1,250.00", "75p",
 * "£3 / kg", "from £4". Null for anything else ("POA", "", "£", "-£2", "£0.00", "2.5.0"):
 * such an item is reported as failed, never stored as 0.
 */
export function parsePrice(text: string, currencyDigits = 2): number | null {
  const t = text.replace(/\s+/g, ' ').trim();
  const pence = /^(?:from\s+)?(\d{1,7})\s?p\b/i.exec(t);
  if (pence) {
    const minor = Number(pence[1]);
    return minor > 0 ? minor : null;
  }
  const m = /(-)?\s*[^\d\s-]{0,3}\s*(\d[\d.,]*)/.exec(t);
  if (!m || m[1]) return null;
  let token = (m[2] as string).replace(/[.,]$/, '');
  const dots = (token.match(/\./g) ?? []).length;
  const commas = (token.match(/,/g) ?? []).length;
  let decimal: '.' | ',' | null = null;
  if (dots && commas) decimal = token.lastIndexOf('.') > token.lastIndexOf(',') ? '.' : ',';
  else if (dots === 1 || commas === 1) {
    const sep = dots ? '.' : ',';
    const after = token.length - token.lastIndexOf(sep) - 1;
    decimal = after === 3 ? null : sep;
    if (after === 3 && currencyDigits === 3) decimal = sep;
  } else if (dots > 1 || commas > 1) decimal = null;
  const thousands = decimal === '.' ? ',' : decimal === ',' ? '.' : dots ? '.' : ',';
  if (!/^\d{1,3}([.,]\d{3})*([.,]\d+)?$|^\d+([.,]\d+)?$/.test(token)) return null;
  token = token.split(thousands).join('');
  const [whole, fraction = ''] = decimal ? token.split(decimal) : [token];
  if (!whole || !/^\d+$/.test(whole) || !/^\d*$/.test(fraction) || fraction.length > currencyDigits)
    return null;
  const minor = Number(whole) * 10 ** currencyDigits + Number(fraction.padEnd(currencyDigits, '0') || '0');
  if (!Number.isSafeInteger(minor) || minor <= 0 || minor > 100_000_000) return null;
  return minor;
}

/** "£3 / kg" → "kg", "£2 per bunch" → "bunch", "£1 each" → "each". */
function unitFromPrice(text: string): string | null {
  const m = /(?:\/|\bper\b)\s*([^\d/][^/]{0,40})$/i.exec(text) ?? /\b(each)\b/i.exec(text);
  return m?.[1]?.trim() || null;
}

/** A count, 0 for "out of stock", null (not tracked: available) for "in stock", else unknown. */
export function parseStock(text: string): number | null | undefined {
  if (/out of stock|sold out|unavailable|none left/i.test(text)) return 0;
  const n = /(\d{1,6})/.exec(text);
  if (n) return Number(n[1]);
  if (/in stock|available/i.test(text)) return null;
  return undefined;
}
