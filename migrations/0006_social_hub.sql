CREATE SEQUENCE "public"."ap_timeline_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
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
--> statement-breakpoint
ALTER TABLE "ap_notifications" DROP CONSTRAINT "ap_notifications_type_check";--> statement-breakpoint
ALTER TABLE "ap_interactions" ADD COLUMN "seq" bigint DEFAULT nextval('ap_timeline_seq') NOT NULL;--> statement-breakpoint
ALTER TABLE "ap_objects" ADD COLUMN "seq" bigint DEFAULT nextval('ap_timeline_seq') NOT NULL;--> statement-breakpoint
ALTER TABLE "ap_objects" ADD COLUMN "audience" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "ap_objects" ADD COLUMN "hashtags" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "ap_objects" ADD COLUMN "hidden_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "ap_objects" ADD COLUMN "hidden_by_user_id" integer;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "avatar_path" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "manually_approves_followers" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "ap_reports" ADD CONSTRAINT "ap_reports_reporter_user_id_users_id_fk" FOREIGN KEY ("reporter_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ap_reports" ADD CONSTRAINT "ap_reports_resolved_by_user_id_users_id_fk" FOREIGN KEY ("resolved_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ap_reports_status_created_at_idx" ON "ap_reports" USING btree ("status","created_at" DESC NULLS LAST);--> statement-breakpoint
ALTER TABLE "ap_objects" ADD CONSTRAINT "ap_objects_hidden_by_user_id_users_id_fk" FOREIGN KEY ("hidden_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ap_interactions_actor_uri_seq_idx" ON "ap_interactions" USING btree ("actor_uri","seq" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ap_objects_attributed_to_seq_idx" ON "ap_objects" USING btree ("attributed_to","seq" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ap_objects_local_visibility_seq_idx" ON "ap_objects" USING btree ("local","visibility","seq" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ap_objects_hashtags_idx" ON "ap_objects" USING gin ("hashtags");--> statement-breakpoint
CREATE INDEX "ap_objects_audience_idx" ON "ap_objects" USING gin ("audience");--> statement-breakpoint
ALTER TABLE "ap_notifications" ADD CONSTRAINT "ap_notifications_type_check" CHECK ("ap_notifications"."type" in ('follow', 'follow_request', 'mention', 'reply', 'like', 'announce'));