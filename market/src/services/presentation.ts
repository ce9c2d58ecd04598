/** How products are presented: stock state labels and the schema.org `Product` of a product page. */
import type { ProductDetailDto, ProductSummaryDto } from '@rose-ash/shared/contracts/dtos.ts';

export type StockStateName = 'in-stock' | 'low' | 'out' | 'untracked' | 'unavailable';

export interface StockState {
  state: StockStateName;
  label: string;
  /** False when the add-to-basket form must not show. */
  buyable: boolean;
}

/**
 * In stock / only a few left / sold out / not tracked (always available) — or no longer
 * available at all (deactivated: the supplier stopped listing it).
 */
export function stockState(
  product: Pick<ProductSummaryDto, 'isActive' | 'stockQuantity'>,
  lowThreshold: number,
): StockState {
  if (!product.isActive) return { state: 'unavailable', label: 'No longer available', buyable: false };
  const q = product.stockQuantity;
  if (q === null) return { state: 'untracked', label: 'Available', buyable: true };
  if (q <= 0) return { state: 'out', label: 'Sold out', buyable: false };
  if (q <= lowThreshold) return { state: 'low', label: `Only ${q} left`, buyable: true };
  return { state: 'in-stock', label: 'In stock', buyable: true };
}

const AVAILABILITY: Record<StockStateName, string> = {
  'in-stock': 'https://schema.org/InStock',
  low: 'https://schema.org/LimitedAvailability',
  untracked: 'https://schema.org/InStock',
  out: 'https://schema.org/OutOfStock',
  unavailable: 'https://schema.org/Discontinued',
};

/** Major units as a decimal string ("2.50"), for schema.org and Open Graph prices. */
export function decimalPrice(minor: number, currency: string): string {
  const digits =
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return (minor / 10 ** digits).toFixed(digits);
}

/**
 * The product's schema.org JSON-LD, as text safe inside a `<script>` element: `<`, `>`, `&`
 * and the JavaScript line separators are escaped, so a product name can never close the script.
 */
export function productJsonLd(
  product: ProductDetailDto,
  extra: { url: string; images: readonly string[]; stock: StockState },
): string {
  const doc = {
    '@context': 'https://schema.org',
    '@type': 'Product',
    name: product.name,
    sku: product.sku,
    url: extra.url,
    ...(product.description ? { description: product.description } : {}),
    ...(extra.images.length ? { image: extra.images } : {}),
    ...(product.category ? { category: product.category.name } : {}),
    brand: { '@type': 'Brand', name: product.supplier.name },
    offers: {
      '@type': 'Offer',
      url: extra.url,
      price: decimalPrice(product.pricePence, product.currency),
      priceCurrency: product.currency,
      availability: AVAILABILITY[extra.stock.state],
      ...(product.unit ? { eligibleQuantity: { '@type': 'QuantitativeValue', unitText: product.unit } } : {}),
    },
  };
  return JSON.stringify(doc)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
