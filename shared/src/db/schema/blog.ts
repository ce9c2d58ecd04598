/**
 * Blog: posts and pages, tags, authors, navigation and newsletters, mirrored from Ghost when it
 * is configured (rows carry `ghost_id`) and authored locally otherwise (`ghost_id` null).
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { oneOf, tsvector, tz } from './columns.ts';

export const postTypes = ['post', 'page'] as const;
export type PostType = (typeof postTypes)[number];
/** Ghost's statuses; `sent` is an e-mail-only post, never shown on the site. */
export const postStatuses = ['draft', 'scheduled', 'published', 'sent'] as const;
export type PostStatus = (typeof postStatuses)[number];
export const postVisibilities = ['public', 'members', 'paid', 'tiers'] as const;
export type PostVisibility = (typeof postVisibilities)[number];
/** Ghost's internal tags (`#name`) are used for theming and never listed publicly. */
export const tagVisibilities = ['public', 'internal'] as const;
export const navigationMenus = ['primary', 'secondary'] as const;
export type NavigationMenu = (typeof navigationMenus)[number];
export const newsletterStatuses = ['active', 'archived'] as const;
export const ghostSyncKinds = ['full', 'incremental', 'webhook'] as const;
export type GhostSyncKind = (typeof ghostSyncKinds)[number];
export const ghostSyncStatuses = ['running', 'succeeded', 'failed'] as const;
export type GhostSyncStatus = (typeof ghostSyncStatuses)[number];

export const authors = pgTable(
  'authors',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    ghostId: text('ghost_id'),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    email: text('email'),
    bio: text('bio'),
    profileImage: text('profile_image'),
    coverImage: text('cover_image'),
    website: text('website'),
    location: text('location'),
    facebook: text('facebook'),
    twitter: text('twitter'),
    metaTitle: text('meta_title'),
    metaDescription: text('meta_description'),
    /** Ghost's `updated_at`: a pull only overwrites the row when Ghost's copy is newer. */
    ghostUpdatedAt: timestamp('ghost_updated_at', tz),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [unique('authors_ghost_id_key').on(t.ghostId), unique('authors_slug_key').on(t.slug)],
);
export type Author = typeof authors.$inferSelect;
export type NewAuthor = typeof authors.$inferInsert;

export const tags = pgTable(
  'tags',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    ghostId: text('ghost_id'),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    visibility: text('visibility', { enum: tagVisibilities }).notNull().default('public'),
    featureImage: text('feature_image'),
    accentColor: text('accent_color'),
    metaTitle: text('meta_title'),
    metaDescription: text('meta_description'),
    ogImage: text('og_image'),
    ogTitle: text('og_title'),
    ogDescription: text('og_description'),
    twitterImage: text('twitter_image'),
    twitterTitle: text('twitter_title'),
    twitterDescription: text('twitter_description'),
    canonicalUrl: text('canonical_url'),
    ghostUpdatedAt: timestamp('ghost_updated_at', tz),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    unique('tags_ghost_id_key').on(t.ghostId),
    unique('tags_slug_key').on(t.slug),
    check('tags_visibility_check', oneOf(t.visibility, tagVisibilities)),
  ],
);
export type Tag = typeof tags.$inferSelect;
export type NewTag = typeof tags.$inferInsert;

/** Posts and pages share one table, as in Ghost; `type` tells them apart. */
export const posts = pgTable(
  'posts',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    ghostId: text('ghost_id'),
    uuid: uuid('uuid').notNull().defaultRandom(),
    type: text('type', { enum: postTypes }).notNull().default('post'),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    html: text('html'),
    plaintext: text('plaintext'),
    /** Editor source; Ghost sends one of lexical/mobiledoc, never both. Webhooks omit it. */
    lexical: text('lexical'),
    mobiledoc: text('mobiledoc'),
    /** Ghost's computed excerpt (custom excerpt, else the start of the text). */
    excerpt: text('excerpt'),
    customExcerpt: text('custom_excerpt'),
    featureImage: text('feature_image'),
    featureImageAlt: text('feature_image_alt'),
    featureImageCaption: text('feature_image_caption'),
    status: text('status', { enum: postStatuses }).notNull().default('draft'),
    visibility: text('visibility', { enum: postVisibilities }).notNull().default('public'),
    featured: boolean('featured').notNull().default(false),
    /** Pages only: Ghost's "show title and feature image" toggle. */
    showTitleAndFeatureImage: boolean('show_title_and_feature_image').notNull().default(true),
    customTemplate: text('custom_template'),
    /** For scheduled posts, when the scheduler publishes them. */
    publishedAt: timestamp('published_at', tz),
    /** Ghost's `updated_at`: webhooks are idempotent by it, and write-backs must echo it. */
    ghostUpdatedAt: timestamp('ghost_updated_at', tz),
    readingTime: integer('reading_time'),
    metaTitle: text('meta_title'),
    metaDescription: text('meta_description'),
    ogImage: text('og_image'),
    ogTitle: text('og_title'),
    ogDescription: text('og_description'),
    twitterImage: text('twitter_image'),
    twitterTitle: text('twitter_title'),
    twitterDescription: text('twitter_description'),
    canonicalUrl: text('canonical_url'),
    primaryAuthorId: integer('primary_author_id').references(() => authors.id, {
      onDelete: 'set null',
    }),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
    /** Weighted: title beats excerpt beats body when ranking search results. */
    search: tsvector('search')
      .notNull()
      .generatedAlwaysAs(
        sql`setweight(to_tsvector('english', coalesce("title", '')), 'A') || setweight(to_tsvector('english', coalesce("custom_excerpt", "excerpt", '')), 'B') || setweight(to_tsvector('english', coalesce("plaintext", '')), 'C')`,
      ),
  },
  (t) => [
    unique('posts_ghost_id_key').on(t.ghostId),
    unique('posts_uuid_key').on(t.uuid),
    // A post and a page may share a slug; routes tell them apart.
    unique('posts_type_slug_key').on(t.type, t.slug),
    // Home, RSS, sitemap and admin lists: newest first within a type and status.
    index('posts_type_status_published_at_idx').on(t.type, t.status, t.publishedAt.desc()),
    index('posts_primary_author_id_idx').on(t.primaryAuthorId),
    index('posts_search_idx').using('gin', t.search),
    check('posts_type_check', oneOf(t.type, postTypes)),
    check('posts_status_check', oneOf(t.status, postStatuses)),
    check('posts_visibility_check', oneOf(t.visibility, postVisibilities)),
    check('posts_reading_time_check', sql`${t.readingTime} >= 0`),
  ],
);
export type Post = typeof posts.$inferSelect;
export type NewPost = typeof posts.$inferInsert;

export const postsTags = pgTable(
  'posts_tags',
  {
    postId: integer('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    tagId: integer('tag_id')
      .notNull()
      .references(() => tags.id, { onDelete: 'cascade' }),
    /** Ghost's order; the first tag is the primary tag. */
    sortOrder: integer('sort_order').notNull().default(0),
  },
  (t) => [
    primaryKey({ name: 'posts_tags_pkey', columns: [t.postId, t.tagId] }),
    index('posts_tags_tag_id_idx').on(t.tagId),
  ],
);
export type PostTag = typeof postsTags.$inferSelect;
export type NewPostTag = typeof postsTags.$inferInsert;

export const postsAuthors = pgTable(
  'posts_authors',
  {
    postId: integer('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    authorId: integer('author_id')
      .notNull()
      .references(() => authors.id, { onDelete: 'cascade' }),
    sortOrder: integer('sort_order').notNull().default(0),
  },
  (t) => [
    primaryKey({ name: 'posts_authors_pkey', columns: [t.postId, t.authorId] }),
    index('posts_authors_author_id_idx').on(t.authorId),
  ],
);
export type PostAuthor = typeof postsAuthors.$inferSelect;
export type NewPostAuthor = typeof postsAuthors.$inferInsert;

/** Site menus. Pulled from Ghost settings; edits made in the blog stay local. */
export const navigationItems = pgTable(
  'navigation_items',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    menu: text('menu', { enum: navigationMenus }).notNull(),
    label: text('label').notNull(),
    url: text('url').notNull(),
    sortOrder: integer('sort_order').notNull().default(0),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    index('navigation_items_menu_sort_order_idx').on(t.menu, t.sortOrder),
    check('navigation_items_menu_check', oneOf(t.menu, navigationMenus)),
  ],
);
export type NavigationItem = typeof navigationItems.$inferSelect;
export type NewNavigationItem = typeof navigationItems.$inferInsert;

export const newsletters = pgTable(
  'newsletters',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    /** Null only for newsletters seeded without Ghost (subscriptions then stay local). */
    ghostId: text('ghost_id'),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    description: text('description'),
    status: text('status', { enum: newsletterStatuses }).notNull().default('active'),
    visibility: text('visibility').notNull().default('members'),
    sortOrder: integer('sort_order').notNull().default(0),
    subscribeOnSignup: boolean('subscribe_on_signup').notNull().default(false),
    ghostUpdatedAt: timestamp('ghost_updated_at', tz),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    unique('newsletters_ghost_id_key').on(t.ghostId),
    unique('newsletters_slug_key').on(t.slug),
    check('newsletters_status_check', oneOf(t.status, newsletterStatuses)),
  ],
);
export type Newsletter = typeof newsletters.$inferSelect;
export type NewNewsletter = typeof newsletters.$inferInsert;

/** Counts per resource, e.g. `{ posts: { created: 3, updated: 1, deleted: 0 } }`. */
export type GhostSyncCounts = Record<string, Record<string, number>>;

/** History for the sync status page: one row per full pull, incremental pull or webhook batch. */
export const ghostSyncRuns = pgTable(
  'ghost_sync_runs',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    kind: text('kind', { enum: ghostSyncKinds }).notNull(),
    status: text('status', { enum: ghostSyncStatuses }).notNull().default('running'),
    startedAt: timestamp('started_at', tz).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', tz),
    counts: jsonb('counts').$type<GhostSyncCounts>().notNull().default({}),
    error: text('error'),
  },
  (t) => [
    index('ghost_sync_runs_started_at_idx').on(t.startedAt.desc()),
    check('ghost_sync_runs_kind_check', oneOf(t.kind, ghostSyncKinds)),
    check('ghost_sync_runs_status_check', oneOf(t.status, ghostSyncStatuses)),
  ],
);
export type GhostSyncRun = typeof ghostSyncRuns.$inferSelect;
export type NewGhostSyncRun = typeof ghostSyncRuns.$inferInsert;

/** Cursors for incremental pulls (e.g. key `posts` → last Ghost `updated_at` seen). */
export const ghostSyncState = pgTable('ghost_sync_state', {
  key: text('key').primaryKey(),
  value: jsonb('value'),
  lastSyncedAt: timestamp('last_synced_at', tz),
  updatedAt: timestamp('updated_at', tz)
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
});
export type GhostSyncState = typeof ghostSyncState.$inferSelect;
export type NewGhostSyncState = typeof ghostSyncState.$inferInsert;

/**
 * Webhooks are stored verified and answered at once (Ghost gives up after 2 s), then processed
 * from here; a failing row keeps its error and is retried (with back-off, by the job runner)
 * until it is applied or given up on (`failed_at`), when /admin/sync offers a retry or discard.
 */
export const ghostWebhookEvents = pgTable(
  'ghost_webhook_events',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    event: text('event').notNull(),
    payload: jsonb('payload').notNull(),
    /** The signed delivery (`<hmac>:<t>` of X-Ghost-Signature): stored once however often sent. */
    delivery: text('delivery'),
    receivedAt: timestamp('received_at', tz).notNull().defaultNow(),
    attempts: integer('attempts').notNull().default(0),
    processedAt: timestamp('processed_at', tz),
    /** Given up on: malformed, or still failing after every attempt. Not retried until asked. */
    failedAt: timestamp('failed_at', tz),
    error: text('error'),
  },
  (t) => [
    index('ghost_webhook_events_unprocessed_idx').on(t.receivedAt).where(sql`${t.processedAt} is null`),
    index('ghost_webhook_events_received_at_idx').on(t.receivedAt.desc()),
    uniqueIndex('ghost_webhook_events_delivery_idx').on(t.delivery),
  ],
);
export type GhostWebhookEvent = typeof ghostWebhookEvents.$inferSelect;
export type NewGhostWebhookEvent = typeof ghostWebhookEvents.$inferInsert;
