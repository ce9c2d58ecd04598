/**
 * Every table of every domain, plus their relations, as one object: `drizzle({ schema })`
 * needs both for the relational query API, and drizzle-kit reads the tables from here.
 */
export * from '../relations.ts';
export * from './account.ts';
export * from './activitypub.ts';
export * from './blog.ts';
export * from './cart.ts';
export * from './events.ts';
export * from './market.ts';
export * from './tickets.ts';
export * from './users.ts';
