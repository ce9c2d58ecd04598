/**
 * Drizzle relations for the relational query API (`db.query.posts.findMany({ with: ... })`).
 * Kept apart from the tables so the table files stay a plain picture of the SQL, and so
 * cross-domain links live in one place. They add no constraints: the foreign keys are in the
 * table definitions.
 */
import { relations } from 'drizzle-orm';
import { ghostMemberLinks, newsletterSubscriptions } from './schema/account.ts';
import {
  apActivities,
  apActors,
  apBlocks,
  apDeliveries,
  apDeliveryAttempts,
  apFollows,
  apInteractions,
  apNotifications,
  apObjects,
} from './schema/activitypub.ts';
import { authors, newsletters, posts, postsAuthors, postsTags, tags } from './schema/blog.ts';
import { cartItems, carts, orderItems, orders, payments, stockReservations } from './schema/cart.ts';
import { bookings, calendarEntries, calendars, ticketTypes } from './schema/events.ts';
import {
  categories,
  markets,
  priceHistory,
  products,
  productsMarkets,
  scrapeRuns,
  suppliers,
} from './schema/market.ts';
import { tickets } from './schema/tickets.ts';
import { users } from './schema/users.ts';

// users

export const usersRelations = relations(users, ({ one, many }) => ({
  carts: many(carts),
  orders: many(orders),
  tickets: many(tickets),
  bookings: many(bookings),
  newsletterSubscriptions: many(newsletterSubscriptions),
  ghostMemberLink: one(ghostMemberLinks),
  apActor: one(apActors),
  apNotifications: many(apNotifications),
}));

// blog

export const authorsRelations = relations(authors, ({ many }) => ({
  posts: many(postsAuthors),
  primaryPosts: many(posts, { relationName: 'post_primary_author' }),
}));

export const tagsRelations = relations(tags, ({ many }) => ({
  posts: many(postsTags),
}));

export const postsRelations = relations(posts, ({ one, many }) => ({
  primaryAuthor: one(authors, {
    fields: [posts.primaryAuthorId],
    references: [authors.id],
    relationName: 'post_primary_author',
  }),
  tags: many(postsTags),
  authors: many(postsAuthors),
}));

export const postsTagsRelations = relations(postsTags, ({ one }) => ({
  post: one(posts, { fields: [postsTags.postId], references: [posts.id] }),
  tag: one(tags, { fields: [postsTags.tagId], references: [tags.id] }),
}));

export const postsAuthorsRelations = relations(postsAuthors, ({ one }) => ({
  post: one(posts, { fields: [postsAuthors.postId], references: [posts.id] }),
  author: one(authors, { fields: [postsAuthors.authorId], references: [authors.id] }),
}));

export const newslettersRelations = relations(newsletters, ({ many }) => ({
  subscriptions: many(newsletterSubscriptions),
}));

// market

export const suppliersRelations = relations(suppliers, ({ many }) => ({
  products: many(products),
  scrapeRuns: many(scrapeRuns),
}));

export const marketsRelations = relations(markets, ({ many }) => ({
  products: many(productsMarkets),
}));

export const categoriesRelations = relations(categories, ({ one, many }) => ({
  parent: one(categories, {
    fields: [categories.parentId],
    references: [categories.id],
    relationName: 'category_parent',
  }),
  children: many(categories, { relationName: 'category_parent' }),
  products: many(products),
}));

export const productsRelations = relations(products, ({ one, many }) => ({
  supplier: one(suppliers, { fields: [products.supplierId], references: [suppliers.id] }),
  category: one(categories, { fields: [products.categoryId], references: [categories.id] }),
  markets: many(productsMarkets),
  priceHistory: many(priceHistory),
}));

export const productsMarketsRelations = relations(productsMarkets, ({ one }) => ({
  product: one(products, { fields: [productsMarkets.productId], references: [products.id] }),
  market: one(markets, { fields: [productsMarkets.marketId], references: [markets.id] }),
}));

export const priceHistoryRelations = relations(priceHistory, ({ one }) => ({
  product: one(products, { fields: [priceHistory.productId], references: [products.id] }),
  scrapeRun: one(scrapeRuns, { fields: [priceHistory.scrapeRunId], references: [scrapeRuns.id] }),
}));

export const scrapeRunsRelations = relations(scrapeRuns, ({ one, many }) => ({
  supplier: one(suppliers, { fields: [scrapeRuns.supplierId], references: [suppliers.id] }),
  prices: many(priceHistory),
}));

// cart

export const cartsRelations = relations(carts, ({ one, many }) => ({
  user: one(users, { fields: [carts.userId], references: [users.id] }),
  items: many(cartItems),
  mergedInto: one(carts, {
    fields: [carts.mergedIntoCartId],
    references: [carts.id],
    relationName: 'cart_merge',
  }),
  mergedFrom: many(carts, { relationName: 'cart_merge' }),
}));

export const cartItemsRelations = relations(cartItems, ({ one }) => ({
  cart: one(carts, { fields: [cartItems.cartId], references: [carts.id] }),
  product: one(products, { fields: [cartItems.productId], references: [products.id] }),
  ticketType: one(ticketTypes, { fields: [cartItems.ticketTypeId], references: [ticketTypes.id] }),
}));

export const ordersRelations = relations(orders, ({ one, many }) => ({
  user: one(users, { fields: [orders.userId], references: [users.id] }),
  items: many(orderItems),
  payments: many(payments),
  reservations: many(stockReservations),
  tickets: many(tickets),
}));

export const orderItemsRelations = relations(orderItems, ({ one, many }) => ({
  order: one(orders, { fields: [orderItems.orderId], references: [orders.id] }),
  product: one(products, { fields: [orderItems.productId], references: [products.id] }),
  ticketType: one(ticketTypes, { fields: [orderItems.ticketTypeId], references: [ticketTypes.id] }),
  tickets: many(tickets),
}));

export const paymentsRelations = relations(payments, ({ one }) => ({
  order: one(orders, { fields: [payments.orderId], references: [orders.id] }),
}));

export const stockReservationsRelations = relations(stockReservations, ({ one }) => ({
  order: one(orders, { fields: [stockReservations.orderId], references: [orders.id] }),
  product: one(products, { fields: [stockReservations.productId], references: [products.id] }),
  ticketType: one(ticketTypes, {
    fields: [stockReservations.ticketTypeId],
    references: [ticketTypes.id],
  }),
}));

// events

export const calendarsRelations = relations(calendars, ({ many }) => ({
  entries: many(calendarEntries),
}));

export const calendarEntriesRelations = relations(calendarEntries, ({ one, many }) => ({
  calendar: one(calendars, { fields: [calendarEntries.calendarId], references: [calendars.id] }),
  ticketTypes: many(ticketTypes),
  bookings: many(bookings),
}));

export const ticketTypesRelations = relations(ticketTypes, ({ one, many }) => ({
  entry: one(calendarEntries, { fields: [ticketTypes.entryId], references: [calendarEntries.id] }),
  tickets: many(tickets),
}));

export const ticketsRelations = relations(tickets, ({ one }) => ({
  ticketType: one(ticketTypes, { fields: [tickets.ticketTypeId], references: [ticketTypes.id] }),
  order: one(orders, { fields: [tickets.orderId], references: [orders.id] }),
  orderItem: one(orderItems, { fields: [tickets.orderItemId], references: [orderItems.id] }),
  user: one(users, { fields: [tickets.userId], references: [users.id] }),
}));

export const bookingsRelations = relations(bookings, ({ one }) => ({
  entry: one(calendarEntries, { fields: [bookings.entryId], references: [calendarEntries.id] }),
  user: one(users, { fields: [bookings.userId], references: [users.id] }),
}));

// account

export const newsletterSubscriptionsRelations = relations(newsletterSubscriptions, ({ one }) => ({
  user: one(users, { fields: [newsletterSubscriptions.userId], references: [users.id] }),
  newsletter: one(newsletters, {
    fields: [newsletterSubscriptions.newsletterId],
    references: [newsletters.id],
  }),
}));

export const ghostMemberLinksRelations = relations(ghostMemberLinks, ({ one }) => ({
  user: one(users, { fields: [ghostMemberLinks.userId], references: [users.id] }),
}));

// activitypub

export const apActorsRelations = relations(apActors, ({ one, many }) => ({
  user: one(users, { fields: [apActors.userId], references: [users.id] }),
  activities: many(apActivities),
  follows: many(apFollows),
  objects: many(apObjects),
  interactions: many(apInteractions),
}));

export const apActivitiesRelations = relations(apActivities, ({ one, many }) => ({
  localActor: one(apActors, { fields: [apActivities.localActorId], references: [apActors.id] }),
  deliveries: many(apDeliveries),
}));

export const apDeliveriesRelations = relations(apDeliveries, ({ one, many }) => ({
  activity: one(apActivities, { fields: [apDeliveries.activityId], references: [apActivities.id] }),
  attempts: many(apDeliveryAttempts),
}));

export const apDeliveryAttemptsRelations = relations(apDeliveryAttempts, ({ one }) => ({
  delivery: one(apDeliveries, {
    fields: [apDeliveryAttempts.deliveryId],
    references: [apDeliveries.id],
  }),
}));

export const apFollowsRelations = relations(apFollows, ({ one }) => ({
  localActor: one(apActors, { fields: [apFollows.localActorId], references: [apActors.id] }),
}));

export const apObjectsRelations = relations(apObjects, ({ one }) => ({
  localActor: one(apActors, { fields: [apObjects.localActorId], references: [apActors.id] }),
}));

export const apInteractionsRelations = relations(apInteractions, ({ one }) => ({
  localActor: one(apActors, { fields: [apInteractions.localActorId], references: [apActors.id] }),
}));

export const apNotificationsRelations = relations(apNotifications, ({ one }) => ({
  user: one(users, { fields: [apNotifications.userId], references: [users.id] }),
}));

export const apBlocksRelations = relations(apBlocks, ({ one }) => ({
  createdBy: one(users, { fields: [apBlocks.createdByUserId], references: [users.id] }),
}));
