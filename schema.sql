CREATE SEQUENCE "public"."ap_timeline_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;
CREATE SEQUENCE "public"."order_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;
CREATE TABLE "account_confirmations" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "account_confirmations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"user_id" integer NOT NULL,
	"purpose" text NOT NULL,
	"new_email" text,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"consumed_at" timestamp with time zone,
	CONSTRAINT "account_confirmations_token_hash_key" UNIQUE("token_hash"),
	CONSTRAINT "account_confirmations_purpose_check" CHECK ("account_confirmations"."purpose" in ('email-change', 'close-account')),
	CONSTRAINT "account_confirmations_new_email_check" CHECK (("account_confirmations"."purpose" = 'email-change') = ("account_confirmations"."new_email" is not null) and "account_confirmations"."new_email" = lower("account_confirmations"."new_email"))
);

CREATE TABLE "calendar_feed_tokens" (
	"user_id" integer PRIMARY KEY NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	CONSTRAINT "calendar_feed_tokens_token_hash_key" UNIQUE("token_hash")
);

CREATE TABLE "ghost_member_links" (
	"user_id" integer PRIMARY KEY NOT NULL,
	"ghost_member_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ghost_member_links_ghost_member_id_key" UNIQUE("ghost_member_id")
);

CREATE TABLE "ghost_member_writebacks" (
	"user_id" integer PRIMARY KEY NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_attempt_at" timestamp with time zone,
	"last_error" text,
	CONSTRAINT "ghost_member_writebacks_attempts_check" CHECK ("ghost_member_writebacks"."attempts" >= 0)
);

CREATE TABLE "newsletter_subscriptions" (
	"user_id" integer NOT NULL,
	"newsletter_id" integer NOT NULL,
	"subscribed" boolean NOT NULL,
	"synced_at" timestamp with time zone,
	"pending_since" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "newsletter_subscriptions_pkey" PRIMARY KEY("user_id","newsletter_id")
);

CREATE TABLE "ap_activities" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ap_activities_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"activity_id" text NOT NULL,
	"direction" text NOT NULL,
	"type" text NOT NULL,
	"actor_uri" text NOT NULL,
	"object_uri" text,
	"object" jsonb NOT NULL,
	"local_actor_id" integer,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"claimed_at" timestamp with time zone,
	"claimed_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	CONSTRAINT "ap_activities_activity_id_key" UNIQUE("activity_id"),
	CONSTRAINT "ap_activities_direction_check" CHECK ("ap_activities"."direction" in ('in', 'out')),
	CONSTRAINT "ap_activities_status_check" CHECK ("ap_activities"."status" in ('pending', 'processing', 'done', 'failed')),
	CONSTRAINT "ap_activities_attempts_check" CHECK ("ap_activities"."attempts" >= 0)
);

CREATE TABLE "ap_actors" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ap_actors_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"kind" text NOT NULL,
	"app_name" text,
	"user_id" integer,
	"username" text NOT NULL,
	"host" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ap_actors_username_host_key" UNIQUE("username","host"),
	CONSTRAINT "ap_actors_app_name_key" UNIQUE("app_name"),
	CONSTRAINT "ap_actors_user_id_key" UNIQUE("user_id"),
	CONSTRAINT "ap_actors_kind_check" CHECK ("ap_actors"."kind" in ('app', 'member')),
	CONSTRAINT "ap_actors_owner_check" CHECK (("ap_actors"."kind" = 'app' and "ap_actors"."app_name" is not null and "ap_actors"."user_id" is null) or ("ap_actors"."kind" = 'member' and "ap_actors"."user_id" is not null and "ap_actors"."app_name" is null))
);

CREATE TABLE "ap_blocks" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ap_blocks_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"kind" text NOT NULL,
	"value" text NOT NULL,
	"reason" text,
	"created_by_user_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ap_blocks_kind_value_key" UNIQUE("kind","value"),
	CONSTRAINT "ap_blocks_kind_check" CHECK ("ap_blocks"."kind" in ('domain', 'actor'))
);

CREATE TABLE "ap_deliveries" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ap_deliveries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"activity_id" integer NOT NULL,
	"inbox_url" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_status_code" integer,
	"last_error" text,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ap_deliveries_activity_id_inbox_url_key" UNIQUE("activity_id","inbox_url"),
	CONSTRAINT "ap_deliveries_status_check" CHECK ("ap_deliveries"."status" in ('pending', 'delivered', 'failed', 'dead')),
	CONSTRAINT "ap_deliveries_attempts_check" CHECK ("ap_deliveries"."attempts" >= 0)
);

CREATE TABLE "ap_delivery_attempts" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ap_delivery_attempts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"delivery_id" integer NOT NULL,
	"attempted_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status_code" integer,
	"error" text,
	"duration_ms" integer
);

CREATE TABLE "ap_follows" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ap_follows_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"follower_uri" text NOT NULL,
	"following_uri" text NOT NULL,
	"local_actor_id" integer NOT NULL,
	"direction" text NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"follow_activity_id" text,
	"accepted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ap_follows_follower_uri_following_uri_key" UNIQUE("follower_uri","following_uri"),
	CONSTRAINT "ap_follows_direction_check" CHECK ("ap_follows"."direction" in ('in', 'out')),
	CONSTRAINT "ap_follows_state_check" CHECK ("ap_follows"."state" in ('pending', 'accepted', 'rejected'))
);

CREATE TABLE "ap_interactions" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ap_interactions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"type" text NOT NULL,
	"actor_uri" text NOT NULL,
	"object_uri" text NOT NULL,
	"activity_id" text NOT NULL,
	"local_actor_id" integer,
	"seq" bigint DEFAULT nextval('ap_timeline_seq') NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ap_interactions_activity_id_key" UNIQUE("activity_id"),
	CONSTRAINT "ap_interactions_type_actor_uri_object_uri_key" UNIQUE("type","actor_uri","object_uri"),
	CONSTRAINT "ap_interactions_type_check" CHECK ("ap_interactions"."type" in ('like', 'announce'))
);

CREATE TABLE "ap_notifications" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ap_notifications_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"user_id" integer NOT NULL,
	"type" text NOT NULL,
	"actor_uri" text NOT NULL,
	"object_uri" text,
	"activity_id" text,
	"read_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ap_notifications_user_id_type_activity_id_key" UNIQUE("user_id","type","activity_id"),
	CONSTRAINT "ap_notifications_type_check" CHECK ("ap_notifications"."type" in ('follow', 'follow_request', 'mention', 'reply', 'like', 'announce'))
);

CREATE TABLE "ap_objects" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ap_objects_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"uri" text NOT NULL,
	"type" text NOT NULL,
	"attributed_to" text NOT NULL,
	"local" boolean DEFAULT false NOT NULL,
	"local_actor_id" integer,
	"name" text,
	"content" text,
	"summary" text,
	"sensitive" boolean DEFAULT false NOT NULL,
	"url" text,
	"in_reply_to" text,
	"visibility" text DEFAULT 'public' NOT NULL,
	"attachments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"edited_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	"seq" bigint DEFAULT nextval('ap_timeline_seq') NOT NULL,
	"audience" text[] DEFAULT '{}'::text[] NOT NULL,
	"hashtags" text[] DEFAULT '{}'::text[] NOT NULL,
	"hidden_at" timestamp with time zone,
	"hidden_by_user_id" integer,
	"raw" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ap_objects_uri_key" UNIQUE("uri"),
	CONSTRAINT "ap_objects_visibility_check" CHECK ("ap_objects"."visibility" in ('public', 'unlisted', 'followers', 'direct'))
);

CREATE TABLE "ap_remote_actors" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ap_remote_actors_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"uri" text NOT NULL,
	"type" text NOT NULL,
	"inbox" text NOT NULL,
	"shared_inbox" text,
	"outbox" text,
	"followers_url" text,
	"url" text,
	"preferred_username" text,
	"host" text NOT NULL,
	"name" text,
	"summary" text,
	"icon_url" text,
	"public_key_pem" text,
	"key_id" text,
	"raw" jsonb NOT NULL,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ap_remote_actors_uri_key" UNIQUE("uri")
);

CREATE TABLE "ap_reports" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ap_reports_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"reporter_user_id" integer,
	"reporter_actor_uri" text,
	"target_actor_uri" text NOT NULL,
	"object_uris" text[] DEFAULT '{}'::text[] NOT NULL,
	"comment" text DEFAULT '' NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"flag_activity_id" text,
	"resolved_by_user_id" integer,
	"resolved_at" timestamp with time zone,
	"resolution_note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ap_reports_flag_activity_id_key" UNIQUE("flag_activity_id"),
	CONSTRAINT "ap_reports_status_check" CHECK ("ap_reports"."status" in ('open', 'resolved'))
);

CREATE TABLE "authors" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "authors_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"ghost_id" text,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"email" text,
	"bio" text,
	"profile_image" text,
	"cover_image" text,
	"website" text,
	"location" text,
	"facebook" text,
	"twitter" text,
	"meta_title" text,
	"meta_description" text,
	"ghost_updated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "authors_ghost_id_key" UNIQUE("ghost_id"),
	CONSTRAINT "authors_slug_key" UNIQUE("slug")
);

CREATE TABLE "ghost_sync_runs" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ghost_sync_runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"kind" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"error" text,
	CONSTRAINT "ghost_sync_runs_kind_check" CHECK ("ghost_sync_runs"."kind" in ('full', 'incremental', 'webhook')),
	CONSTRAINT "ghost_sync_runs_status_check" CHECK ("ghost_sync_runs"."status" in ('running', 'succeeded', 'failed'))
);

CREATE TABLE "ghost_sync_state" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb,
	"last_synced_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE "ghost_webhook_events" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ghost_webhook_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"event" text NOT NULL,
	"payload" jsonb NOT NULL,
	"delivery" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"processed_at" timestamp with time zone,
	"failed_at" timestamp with time zone,
	"error" text
);

CREATE TABLE "navigation_items" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "navigation_items_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"menu" text NOT NULL,
	"label" text NOT NULL,
	"url" text NOT NULL,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "navigation_items_menu_check" CHECK ("navigation_items"."menu" in ('primary', 'secondary'))
);

CREATE TABLE "newsletters" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "newsletters_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"ghost_id" text,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"description" text,
	"status" text DEFAULT 'active' NOT NULL,
	"visibility" text DEFAULT 'members' NOT NULL,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"subscribe_on_signup" boolean DEFAULT false NOT NULL,
	"ghost_updated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "newsletters_ghost_id_key" UNIQUE("ghost_id"),
	CONSTRAINT "newsletters_slug_key" UNIQUE("slug"),
	CONSTRAINT "newsletters_status_check" CHECK ("newsletters"."status" in ('active', 'archived'))
);

CREATE TABLE "posts" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "posts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"ghost_id" text,
	"uuid" uuid DEFAULT gen_random_uuid() NOT NULL,
	"type" text DEFAULT 'post' NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"html" text,
	"plaintext" text,
	"lexical" text,
	"mobiledoc" text,
	"excerpt" text,
	"custom_excerpt" text,
	"feature_image" text,
	"feature_image_alt" text,
	"feature_image_caption" text,
	"status" text DEFAULT 'draft' NOT NULL,
	"visibility" text DEFAULT 'public' NOT NULL,
	"featured" boolean DEFAULT false NOT NULL,
	"show_title_and_feature_image" boolean DEFAULT true NOT NULL,
	"custom_template" text,
	"published_at" timestamp with time zone,
	"ghost_updated_at" timestamp with time zone,
	"reading_time" integer,
	"meta_title" text,
	"meta_description" text,
	"og_image" text,
	"og_title" text,
	"og_description" text,
	"twitter_image" text,
	"twitter_title" text,
	"twitter_description" text,
	"canonical_url" text,
	"primary_author_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"search" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english', coalesce("title", '')), 'A') || setweight(to_tsvector('english', coalesce("custom_excerpt", "excerpt", '')), 'B') || setweight(to_tsvector('english', coalesce("plaintext", '')), 'C')) STORED NOT NULL,
	CONSTRAINT "posts_ghost_id_key" UNIQUE("ghost_id"),
	CONSTRAINT "posts_uuid_key" UNIQUE("uuid"),
	CONSTRAINT "posts_type_slug_key" UNIQUE("type","slug"),
	CONSTRAINT "posts_type_check" CHECK ("posts"."type" in ('post', 'page')),
	CONSTRAINT "posts_status_check" CHECK ("posts"."status" in ('draft', 'scheduled', 'published', 'sent')),
	CONSTRAINT "posts_visibility_check" CHECK ("posts"."visibility" in ('public', 'members', 'paid', 'tiers')),
	CONSTRAINT "posts_reading_time_check" CHECK ("posts"."reading_time" >= 0)
);

CREATE TABLE "posts_authors" (
	"post_id" integer NOT NULL,
	"author_id" integer NOT NULL,
	"sort_order" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "posts_authors_pkey" PRIMARY KEY("post_id","author_id")
);

CREATE TABLE "posts_tags" (
	"post_id" integer NOT NULL,
	"tag_id" integer NOT NULL,
	"sort_order" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "posts_tags_pkey" PRIMARY KEY("post_id","tag_id")
);

CREATE TABLE "tags" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "tags_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"ghost_id" text,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"visibility" text DEFAULT 'public' NOT NULL,
	"feature_image" text,
	"accent_color" text,
	"meta_title" text,
	"meta_description" text,
	"og_image" text,
	"og_title" text,
	"og_description" text,
	"twitter_image" text,
	"twitter_title" text,
	"twitter_description" text,
	"canonical_url" text,
	"ghost_updated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tags_ghost_id_key" UNIQUE("ghost_id"),
	CONSTRAINT "tags_slug_key" UNIQUE("slug"),
	CONSTRAINT "tags_visibility_check" CHECK ("tags"."visibility" in ('public', 'internal'))
);

CREATE TABLE "cart_items" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "cart_items_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"cart_id" integer NOT NULL,
	"kind" text NOT NULL,
	"product_id" integer,
	"ticket_type_id" integer,
	"quantity" integer NOT NULL,
	"unit_price_pence" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cart_items_cart_id_product_id_key" UNIQUE("cart_id","product_id"),
	CONSTRAINT "cart_items_cart_id_ticket_type_id_key" UNIQUE("cart_id","ticket_type_id"),
	CONSTRAINT "cart_items_kind_check" CHECK ("cart_items"."kind" in ('product', 'ticket')),
	CONSTRAINT "cart_items_target_check" CHECK (("cart_items"."kind" = 'product' and "cart_items"."product_id" is not null and "cart_items"."ticket_type_id" is null) or ("cart_items"."kind" = 'ticket' and "cart_items"."ticket_type_id" is not null and "cart_items"."product_id" is null)),
	CONSTRAINT "cart_items_quantity_check" CHECK ("cart_items"."quantity" > 0),
	CONSTRAINT "cart_items_unit_price_pence_check" CHECK ("cart_items"."unit_price_pence" >= 0)
);

CREATE TABLE "carts" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "carts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"user_id" integer,
	"anonymous_key" text,
	"merged_into_cart_id" integer,
	"merged_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "carts_anonymous_key_key" UNIQUE("anonymous_key"),
	CONSTRAINT "carts_owner_check" CHECK (num_nonnulls("carts"."user_id", "carts"."anonymous_key") >= 1)
);

CREATE TABLE "order_items" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "order_items_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"order_id" integer NOT NULL,
	"kind" text NOT NULL,
	"product_id" integer,
	"ticket_type_id" integer,
	"name" text NOT NULL,
	"sku" text,
	"quantity" integer NOT NULL,
	"unit_price_pence" integer NOT NULL,
	"line_total_pence" integer NOT NULL,
	CONSTRAINT "order_items_kind_check" CHECK ("order_items"."kind" in ('product', 'ticket')),
	CONSTRAINT "order_items_quantity_check" CHECK ("order_items"."quantity" > 0),
	CONSTRAINT "order_items_unit_price_pence_check" CHECK ("order_items"."unit_price_pence" >= 0),
	CONSTRAINT "order_items_line_total_pence_check" CHECK ("order_items"."line_total_pence" = "order_items"."unit_price_pence" * "order_items"."quantity")
);

CREATE TABLE "orders" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "orders_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"number" text NOT NULL,
	"user_id" integer,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"fulfilment" text NOT NULL,
	"address" jsonb,
	"collection_point" text,
	"notes" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"subtotal_pence" integer NOT NULL,
	"delivery_pence" integer DEFAULT 0 NOT NULL,
	"total_pence" integer NOT NULL,
	"currency" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"paid_at" timestamp with time zone,
	"fulfilled_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"confirmation_sent_at" timestamp with time zone,
	"flagged_at" timestamp with time zone,
	"flag_reason" text,
	"refunded_at" timestamp with time zone,
	"refund_note" text,
	CONSTRAINT "orders_number_key" UNIQUE("number"),
	CONSTRAINT "orders_fulfilment_check" CHECK ("orders"."fulfilment" in ('delivery', 'collection', 'none')),
	CONSTRAINT "orders_status_check" CHECK ("orders"."status" in ('pending', 'awaiting_payment', 'paid', 'failed', 'expired', 'cancelled', 'fulfilled', 'refunded')),
	CONSTRAINT "orders_amounts_check" CHECK ("orders"."subtotal_pence" >= 0 and "orders"."delivery_pence" >= 0 and "orders"."total_pence" >= 0),
	CONSTRAINT "orders_currency_check" CHECK ("orders"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "orders_delivery_address_check" CHECK ("orders"."fulfilment" <> 'delivery' or "orders"."address" is not null)
);

CREATE TABLE "payments" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "payments_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"order_id" integer NOT NULL,
	"provider" text DEFAULT 'sumup' NOT NULL,
	"checkout_id" text,
	"checkout_reference" text NOT NULL,
	"hosted_checkout_url" text,
	"amount_pence" integer NOT NULL,
	"currency" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"raw" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payments_checkout_id_key" UNIQUE("checkout_id"),
	CONSTRAINT "payments_checkout_reference_key" UNIQUE("checkout_reference"),
	CONSTRAINT "payments_provider_check" CHECK ("payments"."provider" in ('sumup')),
	CONSTRAINT "payments_status_check" CHECK ("payments"."status" in ('pending', 'paid', 'failed', 'expired')),
	CONSTRAINT "payments_amount_pence_check" CHECK ("payments"."amount_pence" >= 0),
	CONSTRAINT "payments_currency_check" CHECK ("payments"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "payments_checkout_reference_length_check" CHECK (char_length("payments"."checkout_reference") <= 64)
);

CREATE TABLE "stock_reservations" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "stock_reservations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"order_id" integer NOT NULL,
	"product_id" integer,
	"ticket_type_id" integer,
	"quantity" integer NOT NULL,
	"status" text DEFAULT 'held' NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stock_reservations_target_check" CHECK (num_nonnulls("stock_reservations"."product_id", "stock_reservations"."ticket_type_id") = 1),
	CONSTRAINT "stock_reservations_quantity_check" CHECK ("stock_reservations"."quantity" > 0),
	CONSTRAINT "stock_reservations_status_check" CHECK ("stock_reservations"."status" in ('held', 'committed', 'released'))
);

CREATE TABLE "bookings" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "bookings_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"entry_id" integer NOT NULL,
	"user_id" integer,
	"remote_actor_uri" text,
	"seats" integer DEFAULT 1 NOT NULL,
	"status" text DEFAULT 'confirmed' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"cancelled_at" timestamp with time zone,
	CONSTRAINT "bookings_seats_check" CHECK ("bookings"."seats" > 0),
	CONSTRAINT "bookings_status_check" CHECK ("bookings"."status" in ('confirmed', 'cancelled')),
	CONSTRAINT "bookings_booker_check" CHECK (num_nonnulls("bookings"."user_id", "bookings"."remote_actor_uri") = 1)
);

CREATE TABLE "calendar_entries" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "calendar_entries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"calendar_id" integer NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"summary" text,
	"image_url" text,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone,
	"all_day" boolean DEFAULT false NOT NULL,
	"timezone" text NOT NULL,
	"location_name" text,
	"location_address" jsonb,
	"location_lat" double precision,
	"location_lng" double precision,
	"capacity" integer,
	"booked_seats" integer DEFAULT 0 NOT NULL,
	"booking_mode" text DEFAULT 'none' NOT NULL,
	"status" text DEFAULT 'scheduled' NOT NULL,
	"cancellation_note" text,
	"cancelled_at" timestamp with time zone,
	"sequence" integer DEFAULT 0 NOT NULL,
	"series_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendar_entries_calendar_id_slug_key" UNIQUE("calendar_id","slug"),
	CONSTRAINT "calendar_entries_ends_after_start_check" CHECK ("calendar_entries"."ends_at" >= "calendar_entries"."starts_at"),
	CONSTRAINT "calendar_entries_capacity_check" CHECK ("calendar_entries"."capacity" >= 0),
	CONSTRAINT "calendar_entries_booked_seats_check" CHECK ("calendar_entries"."booked_seats" >= 0 and ("calendar_entries"."capacity" is null or "calendar_entries"."booked_seats" <= "calendar_entries"."capacity")),
	CONSTRAINT "calendar_entries_location_coordinates_check" CHECK (("calendar_entries"."location_lat" is null) = ("calendar_entries"."location_lng" is null) and "calendar_entries"."location_lat" between -90 and 90 and "calendar_entries"."location_lng" between -180 and 180),
	CONSTRAINT "calendar_entries_booking_mode_check" CHECK ("calendar_entries"."booking_mode" in ('free', 'tickets', 'none')),
	CONSTRAINT "calendar_entries_status_check" CHECK ("calendar_entries"."status" in ('scheduled', 'cancelled'))
);

CREATE TABLE "calendars" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "calendars_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"container_type" text NOT NULL,
	"container_id" integer NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"timezone" text NOT NULL,
	"archived_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendars_slug_key" UNIQUE("slug"),
	CONSTRAINT "calendars_container_type_check" CHECK ("calendars"."container_type" in ('post', 'page', 'market'))
);

CREATE TABLE "ticket_types" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ticket_types_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"entry_id" integer NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"price_pence" integer NOT NULL,
	"currency" text NOT NULL,
	"quantity" integer NOT NULL,
	"sold" integer DEFAULT 0 NOT NULL,
	"reserved" integer DEFAULT 0 NOT NULL,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ticket_types_price_pence_check" CHECK ("ticket_types"."price_pence" >= 0),
	CONSTRAINT "ticket_types_currency_check" CHECK ("ticket_types"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "ticket_types_quantity_check" CHECK ("ticket_types"."quantity" >= 0),
	CONSTRAINT "ticket_types_sold_check" CHECK ("ticket_types"."sold" >= 0 and "ticket_types"."sold" <= "ticket_types"."quantity"),
	CONSTRAINT "ticket_types_reserved_check" CHECK ("ticket_types"."reserved" >= 0 and "ticket_types"."sold" + "ticket_types"."reserved" <= "ticket_types"."quantity")
);

CREATE TABLE "categories" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "categories_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"parent_id" integer,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "categories_slug_key" UNIQUE("slug"),
	CONSTRAINT "categories_not_own_parent_check" CHECK ("categories"."parent_id" <> "categories"."id")
);

CREATE TABLE "markets" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "markets_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"location" text,
	"opening_times" text,
	"image_url" text,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "markets_slug_key" UNIQUE("slug")
);

CREATE TABLE "markets_suppliers" (
	"market_id" integer NOT NULL,
	"supplier_id" integer NOT NULL,
	CONSTRAINT "markets_suppliers_pkey" PRIMARY KEY("market_id","supplier_id")
);

CREATE TABLE "price_history" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "price_history_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"product_id" integer NOT NULL,
	"price_pence" integer NOT NULL,
	"currency" text NOT NULL,
	"scrape_run_id" integer,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "price_history_price_pence_check" CHECK ("price_history"."price_pence" >= 0),
	CONSTRAINT "price_history_currency_check" CHECK ("price_history"."currency" ~ '^[A-Z]{3}$')
);

CREATE TABLE "products" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "products_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"supplier_id" integer NOT NULL,
	"sku" text NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"price_pence" integer NOT NULL,
	"currency" text NOT NULL,
	"unit" text,
	"image_url" text,
	"images" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"source_url" text,
	"stock_quantity" integer,
	"is_active" boolean DEFAULT true NOT NULL,
	"category_id" integer,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"announced_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"search" "tsvector" DEFAULT ''::tsvector NOT NULL,
	CONSTRAINT "products_supplier_id_sku_key" UNIQUE("supplier_id","sku"),
	CONSTRAINT "products_slug_key" UNIQUE("slug"),
	CONSTRAINT "products_price_pence_check" CHECK ("products"."price_pence" >= 0),
	CONSTRAINT "products_currency_check" CHECK ("products"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "products_stock_quantity_check" CHECK ("products"."stock_quantity" >= 0)
);

CREATE TABLE "products_markets" (
	"product_id" integer NOT NULL,
	"market_id" integer NOT NULL,
	CONSTRAINT "products_markets_pkey" PRIMARY KEY("product_id","market_id")
);

CREATE TABLE "scrape_runs" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "scrape_runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"supplier_id" integer NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"trigger" text DEFAULT 'command' NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"complete" boolean DEFAULT false NOT NULL,
	"created" integer DEFAULT 0 NOT NULL,
	"updated" integer DEFAULT 0 NOT NULL,
	"unchanged" integer DEFAULT 0 NOT NULL,
	"deactivated" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	CONSTRAINT "scrape_runs_status_check" CHECK ("scrape_runs"."status" in ('running', 'succeeded', 'failed')),
	CONSTRAINT "scrape_runs_trigger_check" CHECK ("scrape_runs"."trigger" in ('schedule', 'admin', 'command')),
	CONSTRAINT "scrape_runs_counts_check" CHECK ("scrape_runs"."created" >= 0 and "scrape_runs"."updated" >= 0 and "scrape_runs"."unchanged" >= 0 and "scrape_runs"."deactivated" >= 0 and "scrape_runs"."failed" >= 0)
);

CREATE TABLE "suppliers" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "suppliers_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"website" text,
	"description" text,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "suppliers_slug_key" UNIQUE("slug")
);

CREATE TABLE "tickets" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "tickets_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"ticket_type_id" integer NOT NULL,
	"order_id" integer,
	"order_item_id" integer,
	"seq" integer,
	"user_id" integer,
	"code" text NOT NULL,
	"holder_email" text NOT NULL,
	"holder_name" text,
	"status" text DEFAULT 'valid' NOT NULL,
	"used_at" timestamp with time zone,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tickets_code_key" UNIQUE("code"),
	CONSTRAINT "tickets_order_item_id_seq_key" UNIQUE("order_item_id","seq"),
	CONSTRAINT "tickets_status_check" CHECK ("tickets"."status" in ('valid', 'used', 'cancelled')),
	CONSTRAINT "tickets_seq_check" CHECK ("tickets"."seq" >= 1)
);

CREATE TABLE "magic_links" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "magic_links_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"user_email" text NOT NULL,
	"token_hash" text NOT NULL,
	"code_hash" text NOT NULL,
	"code_attempts" integer DEFAULT 0 NOT NULL,
	"return_to" text,
	"interaction_uid" text,
	"requested_ip" "inet",
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"consumed_at" timestamp with time zone,
	CONSTRAINT "magic_links_token_hash_key" UNIQUE("token_hash"),
	CONSTRAINT "magic_links_user_email_lower_check" CHECK ("magic_links"."user_email" = lower("magic_links"."user_email")),
	CONSTRAINT "magic_links_code_attempts_check" CHECK ("magic_links"."code_attempts" >= 0)
);

CREATE TABLE "oidc_payloads" (
	"id" text NOT NULL,
	"model" text NOT NULL,
	"payload" jsonb NOT NULL,
	"grant_id" text,
	"user_code" text,
	"uid" text,
	"expires_at" timestamp with time zone,
	"consumed_at" timestamp with time zone,
	CONSTRAINT "oidc_payloads_pkey" PRIMARY KEY("model","id")
);

CREATE TABLE "users" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "users_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"email" text NOT NULL,
	"display_name" text,
	"username" text,
	"bio" text,
	"avatar_path" text,
	"manually_approves_followers" boolean DEFAULT false NOT NULL,
	"email_verified_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_login_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	CONSTRAINT "users_email_key" UNIQUE("email"),
	CONSTRAINT "users_username_key" UNIQUE("username"),
	CONSTRAINT "users_email_lower_check" CHECK ("users"."email" = lower("users"."email")),
	CONSTRAINT "users_username_format_check" CHECK ("users"."username" ~ '^[a-z0-9_]([a-z0-9_.-]{0,28}[a-z0-9_])?$')
);

ALTER TABLE "account_confirmations" ADD CONSTRAINT "account_confirmations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "calendar_feed_tokens" ADD CONSTRAINT "calendar_feed_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "ghost_member_links" ADD CONSTRAINT "ghost_member_links_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "ghost_member_writebacks" ADD CONSTRAINT "ghost_member_writebacks_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "newsletter_subscriptions" ADD CONSTRAINT "newsletter_subscriptions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "newsletter_subscriptions" ADD CONSTRAINT "newsletter_subscriptions_newsletter_id_newsletters_id_fk" FOREIGN KEY ("newsletter_id") REFERENCES "public"."newsletters"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "ap_activities" ADD CONSTRAINT "ap_activities_local_actor_id_ap_actors_id_fk" FOREIGN KEY ("local_actor_id") REFERENCES "public"."ap_actors"("id") ON DELETE set null ON UPDATE no action;
ALTER TABLE "ap_actors" ADD CONSTRAINT "ap_actors_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "ap_blocks" ADD CONSTRAINT "ap_blocks_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
ALTER TABLE "ap_deliveries" ADD CONSTRAINT "ap_deliveries_activity_id_ap_activities_id_fk" FOREIGN KEY ("activity_id") REFERENCES "public"."ap_activities"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "ap_delivery_attempts" ADD CONSTRAINT "ap_delivery_attempts_delivery_id_ap_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."ap_deliveries"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "ap_follows" ADD CONSTRAINT "ap_follows_local_actor_id_ap_actors_id_fk" FOREIGN KEY ("local_actor_id") REFERENCES "public"."ap_actors"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "ap_interactions" ADD CONSTRAINT "ap_interactions_local_actor_id_ap_actors_id_fk" FOREIGN KEY ("local_actor_id") REFERENCES "public"."ap_actors"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "ap_notifications" ADD CONSTRAINT "ap_notifications_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "ap_objects" ADD CONSTRAINT "ap_objects_local_actor_id_ap_actors_id_fk" FOREIGN KEY ("local_actor_id") REFERENCES "public"."ap_actors"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "ap_objects" ADD CONSTRAINT "ap_objects_hidden_by_user_id_users_id_fk" FOREIGN KEY ("hidden_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
ALTER TABLE "ap_reports" ADD CONSTRAINT "ap_reports_reporter_user_id_users_id_fk" FOREIGN KEY ("reporter_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
ALTER TABLE "ap_reports" ADD CONSTRAINT "ap_reports_resolved_by_user_id_users_id_fk" FOREIGN KEY ("resolved_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
ALTER TABLE "posts" ADD CONSTRAINT "posts_primary_author_id_authors_id_fk" FOREIGN KEY ("primary_author_id") REFERENCES "public"."authors"("id") ON DELETE set null ON UPDATE no action;
ALTER TABLE "posts_authors" ADD CONSTRAINT "posts_authors_post_id_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."posts"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "posts_authors" ADD CONSTRAINT "posts_authors_author_id_authors_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."authors"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "posts_tags" ADD CONSTRAINT "posts_tags_post_id_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."posts"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "posts_tags" ADD CONSTRAINT "posts_tags_tag_id_tags_id_fk" FOREIGN KEY ("tag_id") REFERENCES "public"."tags"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "cart_items" ADD CONSTRAINT "cart_items_cart_id_carts_id_fk" FOREIGN KEY ("cart_id") REFERENCES "public"."carts"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "cart_items" ADD CONSTRAINT "cart_items_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "cart_items" ADD CONSTRAINT "cart_items_ticket_type_id_ticket_types_id_fk" FOREIGN KEY ("ticket_type_id") REFERENCES "public"."ticket_types"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "carts" ADD CONSTRAINT "carts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "carts" ADD CONSTRAINT "carts_merged_into_cart_id_carts_id_fk" FOREIGN KEY ("merged_into_cart_id") REFERENCES "public"."carts"("id") ON DELETE set null ON UPDATE no action;
ALTER TABLE "order_items" ADD CONSTRAINT "order_items_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "order_items" ADD CONSTRAINT "order_items_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE set null ON UPDATE no action;
ALTER TABLE "order_items" ADD CONSTRAINT "order_items_ticket_type_id_ticket_types_id_fk" FOREIGN KEY ("ticket_type_id") REFERENCES "public"."ticket_types"("id") ON DELETE set null ON UPDATE no action;
ALTER TABLE "orders" ADD CONSTRAINT "orders_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
ALTER TABLE "payments" ADD CONSTRAINT "payments_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE restrict ON UPDATE no action;
ALTER TABLE "stock_reservations" ADD CONSTRAINT "stock_reservations_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "stock_reservations" ADD CONSTRAINT "stock_reservations_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "stock_reservations" ADD CONSTRAINT "stock_reservations_ticket_type_id_ticket_types_id_fk" FOREIGN KEY ("ticket_type_id") REFERENCES "public"."ticket_types"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_entry_id_calendar_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."calendar_entries"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "calendar_entries" ADD CONSTRAINT "calendar_entries_calendar_id_calendars_id_fk" FOREIGN KEY ("calendar_id") REFERENCES "public"."calendars"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "ticket_types" ADD CONSTRAINT "ticket_types_entry_id_calendar_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."calendar_entries"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "categories" ADD CONSTRAINT "categories_parent_id_categories_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."categories"("id") ON DELETE set null ON UPDATE no action;
ALTER TABLE "markets_suppliers" ADD CONSTRAINT "markets_suppliers_market_id_markets_id_fk" FOREIGN KEY ("market_id") REFERENCES "public"."markets"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "markets_suppliers" ADD CONSTRAINT "markets_suppliers_supplier_id_suppliers_id_fk" FOREIGN KEY ("supplier_id") REFERENCES "public"."suppliers"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "price_history" ADD CONSTRAINT "price_history_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "price_history" ADD CONSTRAINT "price_history_scrape_run_id_scrape_runs_id_fk" FOREIGN KEY ("scrape_run_id") REFERENCES "public"."scrape_runs"("id") ON DELETE set null ON UPDATE no action;
ALTER TABLE "products" ADD CONSTRAINT "products_supplier_id_suppliers_id_fk" FOREIGN KEY ("supplier_id") REFERENCES "public"."suppliers"("id") ON DELETE restrict ON UPDATE no action;
ALTER TABLE "products" ADD CONSTRAINT "products_category_id_categories_id_fk" FOREIGN KEY ("category_id") REFERENCES "public"."categories"("id") ON DELETE set null ON UPDATE no action;
ALTER TABLE "products_markets" ADD CONSTRAINT "products_markets_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "products_markets" ADD CONSTRAINT "products_markets_market_id_markets_id_fk" FOREIGN KEY ("market_id") REFERENCES "public"."markets"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "scrape_runs" ADD CONSTRAINT "scrape_runs_supplier_id_suppliers_id_fk" FOREIGN KEY ("supplier_id") REFERENCES "public"."suppliers"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_ticket_type_id_ticket_types_id_fk" FOREIGN KEY ("ticket_type_id") REFERENCES "public"."ticket_types"("id") ON DELETE restrict ON UPDATE no action;
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE set null ON UPDATE no action;
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_order_item_id_order_items_id_fk" FOREIGN KEY ("order_item_id") REFERENCES "public"."order_items"("id") ON DELETE set null ON UPDATE no action;
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
CREATE INDEX "account_confirmations_user_id_created_at_idx" ON "account_confirmations" USING btree ("user_id","created_at");
CREATE INDEX "ghost_member_writebacks_requested_at_idx" ON "ghost_member_writebacks" USING btree ("requested_at");
CREATE INDEX "newsletter_subscriptions_newsletter_id_idx" ON "newsletter_subscriptions" USING btree ("newsletter_id");
CREATE INDEX "ap_activities_status_created_at_idx" ON "ap_activities" USING btree ("status","created_at");
CREATE INDEX "ap_activities_local_actor_id_created_at_idx" ON "ap_activities" USING btree ("local_actor_id","created_at" DESC NULLS LAST);
CREATE INDEX "ap_activities_object_uri_idx" ON "ap_activities" USING btree ("object_uri");
CREATE INDEX "ap_deliveries_status_next_attempt_at_idx" ON "ap_deliveries" USING btree ("status","next_attempt_at");
CREATE INDEX "ap_delivery_attempts_delivery_id_attempted_at_idx" ON "ap_delivery_attempts" USING btree ("delivery_id","attempted_at");
CREATE INDEX "ap_follows_following_uri_state_idx" ON "ap_follows" USING btree ("following_uri","state");
CREATE INDEX "ap_follows_local_actor_id_idx" ON "ap_follows" USING btree ("local_actor_id");
CREATE INDEX "ap_follows_follow_activity_id_idx" ON "ap_follows" USING btree ("follow_activity_id");
CREATE INDEX "ap_interactions_actor_uri_seq_idx" ON "ap_interactions" USING btree ("actor_uri","seq" DESC NULLS LAST);
CREATE INDEX "ap_interactions_object_uri_type_idx" ON "ap_interactions" USING btree ("object_uri","type");
CREATE INDEX "ap_interactions_actor_uri_created_at_idx" ON "ap_interactions" USING btree ("actor_uri","created_at" DESC NULLS LAST);
CREATE INDEX "ap_notifications_user_id_read_at_idx" ON "ap_notifications" USING btree ("user_id","read_at");
CREATE INDEX "ap_notifications_user_id_created_at_idx" ON "ap_notifications" USING btree ("user_id","created_at" DESC NULLS LAST);
CREATE INDEX "ap_objects_attributed_to_published_at_idx" ON "ap_objects" USING btree ("attributed_to","published_at" DESC NULLS LAST);
CREATE INDEX "ap_objects_attributed_to_seq_idx" ON "ap_objects" USING btree ("attributed_to","seq" DESC NULLS LAST);
CREATE INDEX "ap_objects_local_visibility_seq_idx" ON "ap_objects" USING btree ("local","visibility","seq" DESC NULLS LAST);
CREATE INDEX "ap_objects_hashtags_idx" ON "ap_objects" USING gin ("hashtags");
CREATE INDEX "ap_objects_audience_idx" ON "ap_objects" USING gin ("audience");
CREATE INDEX "ap_objects_in_reply_to_idx" ON "ap_objects" USING btree ("in_reply_to");
CREATE INDEX "ap_objects_local_actor_id_idx" ON "ap_objects" USING btree ("local_actor_id");
CREATE INDEX "ap_remote_actors_host_preferred_username_idx" ON "ap_remote_actors" USING btree ("host","preferred_username");
CREATE INDEX "ap_remote_actors_key_id_idx" ON "ap_remote_actors" USING btree ("key_id");
CREATE INDEX "ap_reports_status_created_at_idx" ON "ap_reports" USING btree ("status","created_at" DESC NULLS LAST);
CREATE INDEX "ghost_sync_runs_started_at_idx" ON "ghost_sync_runs" USING btree ("started_at" DESC NULLS LAST);
CREATE INDEX "ghost_webhook_events_unprocessed_idx" ON "ghost_webhook_events" USING btree ("received_at") WHERE "ghost_webhook_events"."processed_at" is null;
CREATE INDEX "ghost_webhook_events_received_at_idx" ON "ghost_webhook_events" USING btree ("received_at" DESC NULLS LAST);
CREATE UNIQUE INDEX "ghost_webhook_events_delivery_idx" ON "ghost_webhook_events" USING btree ("delivery");
CREATE INDEX "navigation_items_menu_sort_order_idx" ON "navigation_items" USING btree ("menu","sort_order");
CREATE INDEX "posts_type_status_published_at_idx" ON "posts" USING btree ("type","status","published_at" DESC NULLS LAST);
CREATE INDEX "posts_primary_author_id_idx" ON "posts" USING btree ("primary_author_id");
CREATE INDEX "posts_search_idx" ON "posts" USING gin ("search");
CREATE INDEX "posts_authors_author_id_idx" ON "posts_authors" USING btree ("author_id");
CREATE INDEX "posts_tags_tag_id_idx" ON "posts_tags" USING btree ("tag_id");
CREATE INDEX "cart_items_product_id_idx" ON "cart_items" USING btree ("product_id");
CREATE INDEX "cart_items_ticket_type_id_idx" ON "cart_items" USING btree ("ticket_type_id");
CREATE UNIQUE INDEX "carts_user_id_live_key" ON "carts" USING btree ("user_id") WHERE "carts"."merged_into_cart_id" is null;
CREATE INDEX "order_items_order_id_idx" ON "order_items" USING btree ("order_id");
CREATE INDEX "order_items_product_id_idx" ON "order_items" USING btree ("product_id");
CREATE INDEX "order_items_ticket_type_id_idx" ON "order_items" USING btree ("ticket_type_id");
CREATE INDEX "orders_user_id_created_at_idx" ON "orders" USING btree ("user_id","created_at" DESC NULLS LAST);
CREATE INDEX "orders_status_created_at_idx" ON "orders" USING btree ("status","created_at" DESC NULLS LAST);
CREATE INDEX "orders_flagged_at_idx" ON "orders" USING btree ("flagged_at") WHERE "orders"."flagged_at" is not null;
CREATE INDEX "payments_order_id_idx" ON "payments" USING btree ("order_id");
CREATE INDEX "stock_reservations_order_id_idx" ON "stock_reservations" USING btree ("order_id");
CREATE INDEX "stock_reservations_product_id_held_idx" ON "stock_reservations" USING btree ("product_id") WHERE "stock_reservations"."status" = 'held';
CREATE INDEX "stock_reservations_ticket_type_id_held_idx" ON "stock_reservations" USING btree ("ticket_type_id") WHERE "stock_reservations"."status" = 'held';
CREATE INDEX "stock_reservations_status_expires_at_idx" ON "stock_reservations" USING btree ("status","expires_at");
CREATE UNIQUE INDEX "bookings_entry_id_user_id_confirmed_key" ON "bookings" USING btree ("entry_id","user_id") WHERE "bookings"."status" = 'confirmed';
CREATE UNIQUE INDEX "bookings_entry_id_remote_actor_uri_confirmed_key" ON "bookings" USING btree ("entry_id","remote_actor_uri") WHERE "bookings"."status" = 'confirmed';
CREATE INDEX "bookings_user_id_idx" ON "bookings" USING btree ("user_id");
CREATE INDEX "calendar_entries_series_id_idx" ON "calendar_entries" USING btree ("series_id");
CREATE INDEX "calendar_entries_calendar_id_starts_at_idx" ON "calendar_entries" USING btree ("calendar_id","starts_at");
CREATE INDEX "calendar_entries_starts_at_idx" ON "calendar_entries" USING btree ("starts_at");
CREATE INDEX "calendars_container_idx" ON "calendars" USING btree ("container_type","container_id");
CREATE INDEX "ticket_types_entry_id_idx" ON "ticket_types" USING btree ("entry_id");
CREATE INDEX "categories_parent_id_idx" ON "categories" USING btree ("parent_id");
CREATE INDEX "markets_suppliers_supplier_id_idx" ON "markets_suppliers" USING btree ("supplier_id");
CREATE INDEX "price_history_product_id_recorded_at_idx" ON "price_history" USING btree ("product_id","recorded_at");
CREATE INDEX "price_history_scrape_run_id_idx" ON "price_history" USING btree ("scrape_run_id");
CREATE INDEX "products_sku_idx" ON "products" USING btree ("sku");
CREATE INDEX "products_category_id_idx" ON "products" USING btree ("category_id");
CREATE INDEX "products_search_idx" ON "products" USING gin ("search");
CREATE INDEX "products_markets_market_id_idx" ON "products_markets" USING btree ("market_id");
CREATE INDEX "scrape_runs_supplier_id_started_at_idx" ON "scrape_runs" USING btree ("supplier_id","started_at" DESC NULLS LAST);
CREATE INDEX "scrape_runs_started_at_idx" ON "scrape_runs" USING btree ("started_at" DESC NULLS LAST);
CREATE INDEX "tickets_ticket_type_id_idx" ON "tickets" USING btree ("ticket_type_id");
CREATE INDEX "tickets_order_id_idx" ON "tickets" USING btree ("order_id");
CREATE INDEX "tickets_user_id_idx" ON "tickets" USING btree ("user_id");
CREATE INDEX "magic_links_user_email_created_at_idx" ON "magic_links" USING btree ("user_email","created_at");
CREATE INDEX "magic_links_requested_ip_created_at_idx" ON "magic_links" USING btree ("requested_ip","created_at");
CREATE INDEX "magic_links_expires_at_idx" ON "magic_links" USING btree ("expires_at");
CREATE INDEX "oidc_payloads_grant_id_idx" ON "oidc_payloads" USING btree ("grant_id");
CREATE INDEX "oidc_payloads_uid_idx" ON "oidc_payloads" USING btree ("uid");
CREATE INDEX "oidc_payloads_user_code_idx" ON "oidc_payloads" USING btree ("user_code");
CREATE INDEX "oidc_payloads_expires_at_idx" ON "oidc_payloads" USING btree ("expires_at");
