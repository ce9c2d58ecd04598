/**
 * New products go to the fediverse as ONE `Create(Note)` per scrape run from the market's
 * Service actor: the products as a linked list with price per unit, their images as
 * attachments (Mastodon shows four), public audience. Price changes are not news.
 */

import type { AppConfig } from '../../config/index.ts';
import type { FederationService } from '../../contracts/protocols.ts';
import type { DatabaseLike } from '../../db/client.ts';
import { AS_PUBLIC } from '../../infrastructure/activitypub/uris.ts';
import { escapeHtml } from '../../infrastructure/html-text.ts';
import { formatMoney } from '../../infrastructure/templates.ts';

/** Products listed in the Note's text; the rest are counted. */
const LISTED = 20;
/** Images attached (what Mastodon displays). */
const ATTACHED = 4;

export interface AnnouncedProduct {
  slug: string;
  name: string;
  pricePence: number;
  currency: string;
  unit: string | null;
  imageUrl: string | null;
}

/** The id of a run's Note: dereferenceable at the market's `/ap/notes/<run id>`. */
export function announcementId(config: AppConfig, runId: number): string {
  return `${config.apps.market.publicUrl}/ap/notes/${runId}`;
}

export function buildAnnouncement(
  config: AppConfig,
  run: { id: number; supplierName: string },
  items: readonly AnnouncedProduct[],
): Record<string, unknown> {
  const market = config.apps.market.publicUrl;
  const actor = `${market}/ap/actor`;
  const absolute = (url: string) => (/^https?:\/\//.test(url) ? url : `${market}${url}`);
  const price = (p: AnnouncedProduct) =>
    `${formatMoney(p.pricePence, p.currency, config.site.locale)}${p.unit ? ` / ${p.unit}` : ''}`;
  const listed = items.slice(0, LISTED);
  const more = items.length - listed.length;
  const content =
    `<p>New at the market from ${escapeHtml(run.supplierName)}: ${items.length} ${items.length === 1 ? 'product' : 'products'}.</p>` +
    `<ul>${listed
      .map(
        (p) =>
          `<li><a href="${escapeHtml(`${market}/p/${p.slug}/`)}">${escapeHtml(p.name)}</a> — ${escapeHtml(price(p))}</li>`,
      )
      .join(
        '',
      )}</ul>${more > 0 ? `<p>… and ${more} more at <a href="${escapeHtml(`${market}/`)}">the market</a>.</p>` : ''}`;
  const attachment = items
    .filter((p): p is AnnouncedProduct & { imageUrl: string } => !!p.imageUrl)
    .slice(0, ATTACHED)
    .map((p) => ({
      type: 'Document',
      mediaType: mediaTypeOf(p.imageUrl),
      url: absolute(p.imageUrl),
      name: p.name,
    }));
  return {
    id: announcementId(config, run.id),
    type: 'Note',
    attributedTo: actor,
    content,
    url: items.length === 1 ? `${market}/p/${items[0]?.slug}/` : `${market}/`,
    published: new Date().toISOString(),
    to: [AS_PUBLIC],
    cc: [`${actor}/followers`],
    ...(attachment.length ? { attachment } : {}),
  };
}

/** Records the run's `Create(Note)` in the caller's transaction (the EventProcessor delivers it). */
export async function announceNewProducts(
  deps: { db: DatabaseLike; config: AppConfig; federation: FederationService },
  run: { id: number; supplierName: string },
  items: readonly AnnouncedProduct[],
): Promise<void> {
  if (!items.length) return;
  const note = buildAnnouncement(deps.config, run, items);
  await deps.federation.emit(
    {
      actor: { app: 'market' },
      type: 'Create',
      object: note,
      to: note['to'] as string[],
      cc: note['cc'] as string[],
    },
    deps.db,
  );
}

function mediaTypeOf(url: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(url)?.[1]?.toLowerCase();
  return (
    { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp' }[
      ext ?? ''
    ] ?? 'image/jpeg'
  );
}
