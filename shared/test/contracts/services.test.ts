import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAGMENTS } from '../../src/contracts/widgets.ts';
import { cartItems, orderItems, orders, tickets, ticketTypes } from '../../src/db/schema/index.ts';
import { fragmentCacheKey } from '../../src/infrastructure/fragments.ts';
import { defaultServices } from '../../src/services/wiring.ts';
import { createTestCache } from '../../src/testing/cache.ts';
import { testConfig } from '../../src/testing/config.ts';
import { createTestDatabase, type TestDatabase } from '../../src/testing/database.ts';
import {
  seedAuthor,
  seedEntry,
  seedMarket,
  seedNav,
  seedPost,
  seedProduct,
  seedUser,
} from '../fragments/seed.ts';

let database: TestDatabase;
let cache: ReturnType<typeof createTestCache>;
let services: ReturnType<typeof defaultServices>;

beforeAll(async () => {
  database = await createTestDatabase();
  cache = createTestCache();
  services = defaultServices({ db: database.handle, cache, config: testConfig(), log: silentLog });
});
afterAll(async () => {
  await cache.dispose();
  await database.drop();
});

const silentLog = { info() {}, warn() {}, error() {} };

const cartKey = () => `cart_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;

describe('BlogService', () => {
  it('lists published posts newest first and finds one by slug, never drafts', async () => {
    const author = await seedAuthor(database.handle, 'Olive Writer');
    const older = await seedPost(database.handle, {
      title: 'Older',
      publishedAt: new Date('2026-01-01T00:00:00Z'),
    });
    const newer = await seedPost(database.handle, {
      title: 'Newer',
      publishedAt: new Date('2026-02-01T00:00:00Z'),
      primaryAuthorId: author.id,
    });
    const draft = await seedPost(database.handle, { title: 'Draft', status: 'draft' });

    // Published, but its time has not come: not published yet, anywhere.
    const future = await seedPost(database.handle, {
      title: 'Future',
      publishedAt: new Date(Date.now() + 3_600_000),
    });

    const list = await services.blog.listPosts({ perPage: 10 });
    expect(list.items.map((p) => p.title)).toEqual(['Newer', 'Older']);
    expect(list.total).toBe(2);
    expect(list.items[0]?.author).toEqual({ id: author.id, slug: author.slug, name: 'Olive Writer' });
    expect(Object.isFrozen(list.items)).toBe(true);

    expect((await services.blog.getPublishedBySlug(newer.slug))?.html).toBe('<p>Body text</p>');
    expect(await services.blog.getPublishedBySlug(draft.slug)).toBeNull();
    expect(await services.blog.getPublishedBySlug(future.slug)).toBeNull();
    expect(await services.blog.getPublishedBySlug('no-such-post')).toBeNull();
    expect((await services.blog.listAllPublished()).map((p) => p.title)).not.toContain('Future');

    const edited = await services.blog.savePost({
      id: older.id,
      input: {
        title: 'Older, edited',
        slug: older.slug,
        html: '<p>New body</p>',
        excerpt: '',
        tags: '',
        featureImage: '',
        featureImageAlt: '',
        publishAt: '',
        ghostUpdatedAt: '',
      },
      action: 'save',
      writer: null,
    });
    expect(edited.ok).toBe(true);
    expect((await services.blog.getPublishedBySlug(older.slug))?.title).toBe('Older, edited');
    expect(await services.blog.deletePost(999_999)).toMatchObject({ ok: false, reason: 'not_found' });
  });

  it('reads the primary menu in order', async () => {
    await seedNav(database.handle, [
      { label: 'Home', url: '/' },
      { label: 'About', url: '/about/' },
    ]);
    expect(await services.blog.getNavigation('primary')).toEqual([
      { label: 'Home', url: '/' },
      { label: 'About', url: '/about/' },
    ]);
  });
});

describe('MarketService', () => {
  it('finds products by SKU, leaving unknown SKUs out', async () => {
    const p = await seedProduct(database.handle, { name: 'Honey' });
    await seedMarket(database.handle, 'Harbour market');
    const found = await services.market.getProductsBySku([p.sku, 'NOPE', p.sku]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ sku: p.sku, name: 'Honey', pricePence: 350, isActive: true });
    expect(await services.market.getProductsBySku([])).toEqual([]);
    expect((await services.market.listMarkets()).map((m) => m.name)).toContain('Harbour market');
  });
});

describe('CartService', () => {
  it('adds products (bumping the quantity) to a new anonymous cart and summarises it', async () => {
    const p = await seedProduct(database.handle, { pricePence: 250 });
    const owner = { cartKey: cartKey() };
    expect((await services.cart.getCartSummary(owner)).cartId).toBeNull();

    const first = await services.cart.addItem(owner, { sku: p.sku, quantity: 1 });
    const second = await services.cart.addItem(owner, { sku: p.sku, quantity: 2 });
    expect(first.ok && second.ok && first.cartId === second.cartId).toBe(true);
    const rows = await database.handle.db.select().from(cartItems).where(eq(cartItems.productId, p.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.quantity).toBe(3);

    const summary = await services.cart.getCartSummary(owner);
    expect(summary).toMatchObject({ itemCount: 3, totalPence: 750, currency: 'GBP' });
    expect(summary.lines[0]).toMatchObject({ kind: 'product', sku: p.sku, lineTotalPence: 750 });
  });

  it("drops that cart's cart-mini fragment (fresh and stale) and no one else's", async () => {
    const p = await seedProduct(database.handle);
    const mine = { cartKey: cartKey() };
    const theirs = { cartKey: cartKey() };
    const user = await seedUser(database.handle);
    const keys = {
      mine: fragmentCacheKey('cart-mini', {}, { cartKey: mine.cartKey }),
      theirs: fragmentCacheKey('cart-mini', {}, { cartKey: theirs.cartKey }),
      member: fragmentCacheKey('cart-mini', {}, { userId: user.id }),
    };
    for (const key of Object.values(keys)) {
      await cache.set(key, 'old', 60);
      await cache.set(`stale:${key}`, 'old', 60);
    }
    expect(FRAGMENTS['cart-mini'].personalisedBy).toBe('user-or-cart');

    await services.cart.addItem(mine, { sku: p.sku, quantity: 1 });
    expect(await cache.get(keys.mine)).toBeNull();
    expect(await cache.get(`stale:${keys.mine}`)).toBeNull();
    expect(await cache.get(keys.theirs)).toBe('old');
    expect(await cache.get(keys.member)).toBe('old');

    await services.cart.addItem({ userId: user.id }, { sku: p.sku, quantity: 1 });
    expect(await cache.get(keys.member)).toBeNull();
    expect((await services.cart.getCartSummary({ userId: user.id })).itemCount).toBe(1);
  });

  it('refuses unknown, inactive and more-than-available items without writing', async () => {
    const owner = { cartKey: cartKey() };
    const inactive = await seedProduct(database.handle, { isActive: false });
    const scarce = await seedProduct(database.handle, { stockQuantity: 2 });
    const { ticketType } = await seedEntry(database.handle, { type: 'market', id: 1 }, { ticketQuantity: 3 });

    expect(await services.cart.addItem(owner, { sku: 'NO-SUCH-SKU', quantity: 1 })).toEqual({
      ok: false,
      reason: 'unknown-item',
    });
    expect(await services.cart.addItem(owner, { sku: inactive.sku, quantity: 1 })).toEqual({
      ok: false,
      reason: 'inactive',
    });
    expect(await services.cart.addItem(owner, { sku: scarce.sku, quantity: 3 })).toEqual({
      ok: false,
      reason: 'sold-out',
    });
    expect((await services.cart.addItem(owner, { ticketTypeId: ticketType.id, quantity: 3 })).ok).toBe(true);
    expect(await services.cart.addItem(owner, { ticketTypeId: ticketType.id, quantity: 1 })).toEqual({
      ok: false,
      reason: 'sold-out',
    });
    const summary = await services.cart.getCartSummary(owner);
    expect(summary.lines.map((l) => [l.kind, l.quantity])).toEqual([['ticket', 3]]);
    expect(summary.totalPence).toBe(3000);
  });
});

describe('CalendarService', () => {
  it("lists a container's upcoming entries, soonest first, not past or cancelled ones", async () => {
    const post = await seedPost(database.handle);
    await seedEntry(database.handle, { type: 'post', id: post.id }, { title: 'Later', inDays: 10 });
    await seedEntry(database.handle, { type: 'post', id: post.id }, { title: 'Sooner', inDays: 2 });
    await seedEntry(database.handle, { type: 'post', id: post.id }, { title: 'Past', inDays: -2 });
    await seedEntry(
      database.handle,
      { type: 'market', id: post.id },
      { title: 'Other container', inDays: 1 },
    );

    const entries = await services.calendar.listUpcomingForContainer({ type: 'post', id: post.id }, 5);
    expect(entries.map((e) => e.title)).toEqual(['Sooner', 'Later']);
    expect(entries[0]?.calendar.name).toBe('Workshops');
    expect(await services.calendar.listUpcomingForContainer({ type: 'post', id: post.id }, 1)).toHaveLength(
      1,
    );
    expect((await services.calendar.listUpcoming(100)).map((e) => e.title)).not.toContain('Past');
  });

  it('issues one uniquely coded ticket per unit, bumps sold, and is idempotent per order item', async () => {
    const { ticketType } = await seedEntry(database.handle, { type: 'market', id: 7 }, { ticketQuantity: 5 });
    const [order] = await database.handle.db
      .insert(orders)
      .values({
        number: `RA-${Date.now()}`,
        email: 'buyer@example.test',
        name: 'Buyer',
        fulfilment: 'collection',
        subtotalPence: 3000,
        totalPence: 3000,
        currency: 'GBP',
      })
      .returning();
    const [item] = await database.handle.db
      .insert(orderItems)
      .values({
        orderId: order?.id as number,
        kind: 'ticket',
        ticketTypeId: ticketType.id,
        name: 'Standard',
        quantity: 3,
        unitPricePence: 1000,
        lineTotalPence: 3000,
      })
      .returning();
    const input = {
      orderId: order?.id as number,
      holderEmail: 'buyer@example.test',
      holderName: 'Buyer',
      userId: null,
      items: [{ orderItemId: item?.id as number, ticketTypeId: ticketType.id, quantity: 3 }],
    };

    const first = await services.calendar.issueTickets(input);
    const again = await services.calendar.issueTickets(input);
    if (!first.ok || !again.ok) throw new Error('issue failed');
    expect(first.tickets).toHaveLength(3);
    expect(new Set(first.tickets.map((t) => t.code)).size).toBe(3);
    expect(again.tickets.map((t) => t.code)).toEqual(first.tickets.map((t) => t.code));
    const [type] = await database.handle.db
      .select()
      .from(ticketTypes)
      .where(eq(ticketTypes.id, ticketType.id));
    expect(type?.sold).toBe(3);

    // More than is left: nothing is issued and sold stays put.
    const [big] = await database.handle.db
      .insert(orderItems)
      .values({
        orderId: order?.id as number,
        kind: 'ticket',
        ticketTypeId: ticketType.id,
        name: 'Standard',
        quantity: 3,
        unitPricePence: 1000,
        lineTotalPence: 3000,
      })
      .returning();
    const refused = await services.calendar.issueTickets({
      ...input,
      items: [{ orderItemId: big?.id as number, ticketTypeId: ticketType.id, quantity: 3 }],
    });
    expect(refused).toEqual({ ok: false, reason: 'sold-out', ticketTypeId: ticketType.id });
    expect(
      await database.handle.db
        .select()
        .from(tickets)
        .where(eq(tickets.orderItemId, big?.id as number)),
    ).toEqual([]);
    const [after] = await database.handle.db
      .select()
      .from(ticketTypes)
      .where(eq(ticketTypes.id, ticketType.id));
    expect(after?.sold).toBe(3);
  });
});

describe('AccountService', () => {
  it("reads a member's profile", async () => {
    const user = await seedUser(database.handle, 'profile@example.test');
    expect(await services.account.getProfile(user.id)).toMatchObject({
      id: user.id,
      email: 'profile@example.test',
      displayName: 'Mina Member',
    });
    expect(await services.account.getProfile(999_999)).toBeNull();
  });
});
