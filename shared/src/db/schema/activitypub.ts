/**
 * ActivityPub: local actors, the activity log the EventProcessor works through, per-inbox
 * deliveries with every attempt recorded, and the cached remote world (actors, objects,
 * follows, likes/boosts) behind members' timelines, notifications and moderation.
 * Remote things are keyed by their URI (text) because that is their only stable identity.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';
import { oneOf, tz } from './columns.ts';
import { users } from './users.ts';

export const apActorKinds = ['app', 'member'] as const;
export type ApActorKind = (typeof apActorKinds)[number];
export const apDirections = ['in', 'out'] as const;
export type ApDirection = (typeof apDirections)[number];
export const apActivityStatuses = ['pending', 'processing', 'done', 'failed'] as const;
export type ApActivityStatus = (typeof apActivityStatuses)[number];
export const apDeliveryStatuses = ['pending', 'delivered', 'failed', 'dead'] as const;
export type ApDeliveryStatus = (typeof apDeliveryStatuses)[number];
export const apFollowStates = ['pending', 'accepted', 'rejected'] as const;
export type ApFollowState = (typeof apFollowStates)[number];
export const apVisibilities = ['public', 'unlisted', 'followers', 'direct'] as const;
export type ApVisibility = (typeof apVisibilities)[number];
export const apInteractionTypes = ['like', 'announce'] as const;
export type ApInteractionType = (typeof apInteractionTypes)[number];
export const apNotificationTypes = [
  'follow',
  'follow_request',
  'mention',
  'reply',
  'like',
  'announce',
] as const;
export type ApNotificationType = (typeof apNotificationTypes)[number];
export const apBlockKinds = ['domain', 'actor'] as const;
export type ApBlockKind = (typeof apBlockKinds)[number];
export const apReportStatuses = ['open', 'resolved'] as const;
export type ApReportStatus = (typeof apReportStatuses)[number];

/**
 * One ordering for timelines: posts (`ap_objects`) and boosts (`ap_interactions`) both draw
 * their `seq` from this sequence, so a home timeline mixing the two pages by one number
 * (`max_id`), never by offset.
 */
export const apTimelineSeq = pgSequence('ap_timeline_seq');
const timelineSeq = () =>
  bigint('seq', { mode: 'number' }).notNull().default(sql`nextval('ap_timeline_seq')`);

/**
 * Our own actors: one `Service` per app and one `Person` per member with a username. Keys are
 * not stored: every actor is a projection of the one keypair from the environment.
 */
export const apActors = pgTable(
  'ap_actors',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    kind: text('kind', { enum: apActorKinds }).notNull(),
    /** blog, market, events, ... for app actors. */
    appName: text('app_name'),
    userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    /** preferredUsername; with `host` it is the WebFinger `acct:`. */
    username: text('username').notNull(),
    host: text('host').notNull(),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    unique('ap_actors_username_host_key').on(t.username, t.host),
    unique('ap_actors_app_name_key').on(t.appName),
    unique('ap_actors_user_id_key').on(t.userId),
    check('ap_actors_kind_check', oneOf(t.kind, apActorKinds)),
    check(
      'ap_actors_owner_check',
      sql`(${t.kind} = 'app' and ${t.appName} is not null and ${t.userId} is null) or (${t.kind} = 'member' and ${t.userId} is not null and ${t.appName} is null)`,
    ),
  ],
);
export type ApActor = typeof apActors.$inferSelect;
export type NewApActor = typeof apActors.$inferInsert;

/**
 * Every activity in either direction. Domain code inserts outgoing rows in the same transaction
 * as its change; the inbox stores verified incoming ones. The EventProcessor claims `pending`
 * rows with FOR UPDATE SKIP LOCKED; `activity_id` unique de-duplicates a remote activity that
 * arrives through several inboxes.
 */
export const apActivities = pgTable(
  'ap_activities',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    /** The activity's ActivityStreams `id` URL. */
    activityId: text('activity_id').notNull(),
    direction: text('direction', { enum: apDirections }).notNull(),
    type: text('type').notNull(),
    actorUri: text('actor_uri').notNull(),
    objectUri: text('object_uri'),
    /** The complete activity JSON as sent or received. */
    object: jsonb('object').$type<Record<string, unknown>>().notNull(),
    /** Outgoing: the sender. Incoming: the addressed actor's inbox (null for the shared inbox). */
    localActorId: integer('local_actor_id').references(() => apActors.id, { onDelete: 'set null' }),
    status: text('status', { enum: apActivityStatuses }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** Who holds the row and since when, so a crashed worker's claim can be taken over. */
    claimedAt: timestamp('claimed_at', tz),
    claimedBy: text('claimed_by'),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    processedAt: timestamp('processed_at', tz),
  },
  (t) => [
    unique('ap_activities_activity_id_key').on(t.activityId),
    // The processor's claim query: oldest pending first.
    index('ap_activities_status_created_at_idx').on(t.status, t.createdAt),
    // Outboxes, newest first.
    index('ap_activities_local_actor_id_created_at_idx').on(t.localActorId, t.createdAt.desc()),
    // Undo/Delete find the activities about an object.
    index('ap_activities_object_uri_idx').on(t.objectUri),
    check('ap_activities_direction_check', oneOf(t.direction, apDirections)),
    check('ap_activities_status_check', oneOf(t.status, apActivityStatuses)),
    check('ap_activities_attempts_check', sql`${t.attempts} >= 0`),
  ],
);
export type ApActivity = typeof apActivities.$inferSelect;
export type NewApActivity = typeof apActivities.$inferInsert;

/** One row per (outgoing activity, inbox); followers behind one shared inbox collapse to it. */
export const apDeliveries = pgTable(
  'ap_deliveries',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    activityId: integer('activity_id')
      .notNull()
      .references(() => apActivities.id, { onDelete: 'cascade' }),
    inboxUrl: text('inbox_url').notNull(),
    status: text('status', { enum: apDeliveryStatuses }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    /** Exponential back-off: the retry worker takes due rows in this order. */
    nextAttemptAt: timestamp('next_attempt_at', tz).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', tz),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    unique('ap_deliveries_activity_id_inbox_url_key').on(t.activityId, t.inboxUrl),
    index('ap_deliveries_status_next_attempt_at_idx').on(t.status, t.nextAttemptAt),
    check('ap_deliveries_status_check', oneOf(t.status, apDeliveryStatuses)),
    check('ap_deliveries_attempts_check', sql`${t.attempts} >= 0`),
  ],
);
export type ApDelivery = typeof apDeliveries.$inferSelect;
export type NewApDelivery = typeof apDeliveries.$inferInsert;

/** Every HTTP attempt of a delivery, for the admin view and for debugging remote servers. */
export const apDeliveryAttempts = pgTable(
  'ap_delivery_attempts',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    deliveryId: integer('delivery_id')
      .notNull()
      .references(() => apDeliveries.id, { onDelete: 'cascade' }),
    attemptedAt: timestamp('attempted_at', tz).notNull().defaultNow(),
    /** Null when no response came (network error, timeout). */
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms'),
  },
  (t) => [index('ap_delivery_attempts_delivery_id_attempted_at_idx').on(t.deliveryId, t.attemptedAt)],
);
export type ApDeliveryAttempt = typeof apDeliveryAttempts.$inferSelect;
export type NewApDeliveryAttempt = typeof apDeliveryAttempts.$inferInsert;

/** Cache of remote actor documents: inboxes for delivery, keys for signature checks. */
export const apRemoteActors = pgTable(
  'ap_remote_actors',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    uri: text('uri').notNull(),
    /** Person, Service, Group, Application, Organization. */
    type: text('type').notNull(),
    inbox: text('inbox').notNull(),
    sharedInbox: text('shared_inbox'),
    outbox: text('outbox'),
    followersUrl: text('followers_url'),
    /** Profile page for people (`url`), which may differ from the actor id. */
    url: text('url'),
    preferredUsername: text('preferred_username'),
    host: text('host').notNull(),
    name: text('name'),
    summary: text('summary'),
    iconUrl: text('icon_url'),
    publicKeyPem: text('public_key_pem'),
    keyId: text('key_id'),
    raw: jsonb('raw').$type<Record<string, unknown>>().notNull(),
    fetchedAt: timestamp('fetched_at', tz).notNull().defaultNow(),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    unique('ap_remote_actors_uri_key').on(t.uri),
    // Resolving `@user@host` from the compose box and follow form.
    index('ap_remote_actors_host_preferred_username_idx').on(t.host, t.preferredUsername),
    // Signature verification looks the signer up by key id.
    index('ap_remote_actors_key_id_idx').on(t.keyId),
  ],
);
export type ApRemoteActor = typeof apRemoteActors.$inferSelect;
export type NewApRemoteActor = typeof apRemoteActors.$inferInsert;

/**
 * Follows involving one of our actors: `in` = a remote actor follows ours (a delivery target),
 * `out` = ours follows a remote actor (feeds the member's timeline).
 */
export const apFollows = pgTable(
  'ap_follows',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    followerUri: text('follower_uri').notNull(),
    followingUri: text('following_uri').notNull(),
    localActorId: integer('local_actor_id')
      .notNull()
      .references(() => apActors.id, { onDelete: 'cascade' }),
    direction: text('direction', { enum: apDirections }).notNull(),
    state: text('state', { enum: apFollowStates }).notNull().default('pending'),
    /** The Follow's id: Accept/Reject/Undo refer to it and Undo must embed it. */
    followActivityId: text('follow_activity_id'),
    acceptedAt: timestamp('accepted_at', tz),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    unique('ap_follows_follower_uri_following_uri_key').on(t.followerUri, t.followingUri),
    // Followers collection and delivery fan-out (the unique key serves "following" lookups).
    index('ap_follows_following_uri_state_idx').on(t.followingUri, t.state),
    index('ap_follows_local_actor_id_idx').on(t.localActorId),
    index('ap_follows_follow_activity_id_idx').on(t.followActivityId),
    check('ap_follows_direction_check', oneOf(t.direction, apDirections)),
    check('ap_follows_state_check', oneOf(t.state, apFollowStates)),
  ],
);
export type ApFollow = typeof apFollows.$inferSelect;
export type NewApFollow = typeof apFollows.$inferInsert;

export interface ApAttachment {
  type: string;
  mediaType?: string;
  url: string;
  name?: string;
}

/**
 * Notes, articles and events for timelines and threads: members' own posts (`local`) and
 * remote ones received or fetched. `content` is stored already sanitised.
 */
export const apObjects = pgTable(
  'ap_objects',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    uri: text('uri').notNull(),
    type: text('type').notNull(),
    attributedTo: text('attributed_to').notNull(),
    local: boolean('local').notNull().default(false),
    /** Author, when local. */
    localActorId: integer('local_actor_id').references(() => apActors.id, { onDelete: 'cascade' }),
    /** Title of an Article or Event. */
    name: text('name'),
    content: text('content'),
    /** The content warning for notes. */
    summary: text('summary'),
    sensitive: boolean('sensitive').notNull().default(false),
    url: text('url'),
    inReplyTo: text('in_reply_to'),
    visibility: text('visibility', { enum: apVisibilities }).notNull().default('public'),
    attachments: jsonb('attachments').$type<ApAttachment[]>().notNull().default([]),
    /** ActivityStreams `published` and `updated`. */
    publishedAt: timestamp('published_at', tz).notNull(),
    editedAt: timestamp('edited_at', tz),
    /** Tombstoned: kept so the URL answers 410 and replies still thread. */
    deletedAt: timestamp('deleted_at', tz),
    /** Timeline position (see `apTimelineSeq`): when we got it, not when it says it was published. */
    seq: timelineSeq(),
    /** Every actor URI in `to`/`cc`: who may see a followers-only or mentioned-only post. */
    audience: text('audience').array().notNull().default(sql`'{}'::text[]`),
    /** Lower-cased hashtags without `#`. */
    hashtags: text('hashtags').array().notNull().default(sql`'{}'::text[]`),
    /** Hidden by an admin (e.g. a fediverse comment under a blog post); kept, not shown. */
    hiddenAt: timestamp('hidden_at', tz),
    hiddenByUserId: integer('hidden_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    raw: jsonb('raw').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    unique('ap_objects_uri_key').on(t.uri),
    // Home timeline and profile pages: an author's posts, newest first.
    index('ap_objects_attributed_to_published_at_idx').on(t.attributedTo, t.publishedAt.desc()),
    index('ap_objects_attributed_to_seq_idx').on(t.attributedTo, t.seq.desc()),
    // The local timeline: members' public posts, newest first.
    index('ap_objects_local_visibility_seq_idx').on(t.local, t.visibility, t.seq.desc()),
    index('ap_objects_hashtags_idx').using('gin', t.hashtags),
    index('ap_objects_audience_idx').using('gin', t.audience),
    index('ap_objects_in_reply_to_idx').on(t.inReplyTo),
    index('ap_objects_local_actor_id_idx').on(t.localActorId),
    check('ap_objects_visibility_check', oneOf(t.visibility, apVisibilities)),
  ],
);
export type ApObject = typeof apObjects.$inferSelect;
export type NewApObject = typeof apObjects.$inferInsert;

/** Likes and boosts, ours and remote ones. Undo deletes the row. */
export const apInteractions = pgTable(
  'ap_interactions',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    type: text('type', { enum: apInteractionTypes }).notNull(),
    actorUri: text('actor_uri').notNull(),
    objectUri: text('object_uri').notNull(),
    /** The Like/Announce activity's id, which its Undo names. */
    activityId: text('activity_id').notNull(),
    /** Set when one of our actors did it. */
    localActorId: integer('local_actor_id').references(() => apActors.id, { onDelete: 'cascade' }),
    /** Timeline position of a boost (see `apTimelineSeq`). */
    seq: timelineSeq(),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
  },
  (t) => [
    unique('ap_interactions_activity_id_key').on(t.activityId),
    index('ap_interactions_actor_uri_seq_idx').on(t.actorUri, t.seq.desc()),
    // Liking or boosting twice is a no-op.
    unique('ap_interactions_type_actor_uri_object_uri_key').on(t.type, t.actorUri, t.objectUri),
    // Counts per post.
    index('ap_interactions_object_uri_type_idx').on(t.objectUri, t.type),
    // Boosts by followed accounts in the home timeline.
    index('ap_interactions_actor_uri_created_at_idx').on(t.actorUri, t.createdAt.desc()),
    check('ap_interactions_type_check', oneOf(t.type, apInteractionTypes)),
  ],
);
export type ApInteraction = typeof apInteractions.$inferSelect;
export type NewApInteraction = typeof apInteractions.$inferInsert;

export const apNotifications = pgTable(
  'ap_notifications',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    type: text('type', { enum: apNotificationTypes }).notNull(),
    actorUri: text('actor_uri').notNull(),
    objectUri: text('object_uri'),
    /** The triggering activity; with the unique key, reprocessing it cannot notify twice. */
    activityId: text('activity_id'),
    readAt: timestamp('read_at', tz),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
  },
  (t) => [
    unique('ap_notifications_user_id_type_activity_id_key').on(t.userId, t.type, t.activityId),
    // Unread count.
    index('ap_notifications_user_id_read_at_idx').on(t.userId, t.readAt),
    index('ap_notifications_user_id_created_at_idx').on(t.userId, t.createdAt.desc()),
    check('ap_notifications_type_check', oneOf(t.type, apNotificationTypes)),
  ],
);
export type ApNotification = typeof apNotifications.$inferSelect;
export type NewApNotification = typeof apNotifications.$inferInsert;

/** Moderation: the inbox refuses (403) anything from a blocked domain or actor. */
export const apBlocks = pgTable(
  'ap_blocks',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    kind: text('kind', { enum: apBlockKinds }).notNull(),
    /** A lower-cased host for `domain`, an actor URI for `actor`. */
    value: text('value').notNull(),
    reason: text('reason'),
    createdByUserId: integer('created_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
  },
  (t) => [
    unique('ap_blocks_kind_value_key').on(t.kind, t.value),
    check('ap_blocks_kind_check', oneOf(t.kind, apBlockKinds)),
  ],
);
export type ApBlock = typeof apBlocks.$inferSelect;
export type NewApBlock = typeof apBlocks.$inferInsert;

/**
 * Moderation reports: a member reports a post, or a remote server forwards one (`Flag`, then
 * `flagActivityId` de-duplicates it). Admins read and resolve them.
 */
export const apReports = pgTable(
  'ap_reports',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    /** The member who reported, or null for a `Flag` from another server. */
    reporterUserId: integer('reporter_user_id').references(() => users.id, { onDelete: 'set null' }),
    /** The remote actor that sent the `Flag`. */
    reporterActorUri: text('reporter_actor_uri'),
    /** The reported account. */
    targetActorUri: text('target_actor_uri').notNull(),
    /** The reported posts (may be empty when an account is reported). */
    objectUris: text('object_uris').array().notNull().default(sql`'{}'::text[]`),
    comment: text('comment').notNull().default(''),
    status: text('status', { enum: apReportStatuses }).notNull().default('open'),
    flagActivityId: text('flag_activity_id'),
    resolvedByUserId: integer('resolved_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    resolvedAt: timestamp('resolved_at', tz),
    /** What the admin did or decided, shown in the list. */
    resolutionNote: text('resolution_note'),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
  },
  (t) => [
    unique('ap_reports_flag_activity_id_key').on(t.flagActivityId),
    index('ap_reports_status_created_at_idx').on(t.status, t.createdAt.desc()),
    check('ap_reports_status_check', oneOf(t.status, apReportStatuses)),
  ],
);
export type ApReport = typeof apReports.$inferSelect;
export type NewApReport = typeof apReports.$inferInsert;
