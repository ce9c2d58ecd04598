ALTER TABLE "calendars" DROP CONSTRAINT "calendars_container_type_check";--> statement-breakpoint
ALTER TABLE "calendar_entries" ADD COLUMN "all_day" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "calendar_entries" ADD COLUMN "location_lat" double precision;--> statement-breakpoint
ALTER TABLE "calendar_entries" ADD COLUMN "location_lng" double precision;--> statement-breakpoint
ALTER TABLE "calendar_entries" ADD COLUMN "booked_seats" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "calendar_entries" ADD COLUMN "cancellation_note" text;--> statement-breakpoint
ALTER TABLE "calendar_entries" ADD COLUMN "cancelled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "calendar_entries" ADD COLUMN "sequence" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "calendar_entries" ADD COLUMN "series_id" uuid;--> statement-breakpoint
ALTER TABLE "calendars" ADD COLUMN "archived_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "used_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "calendar_entries_series_id_idx" ON "calendar_entries" USING btree ("series_id");--> statement-breakpoint
ALTER TABLE "calendar_entries" ADD CONSTRAINT "calendar_entries_booked_seats_check" CHECK ("calendar_entries"."booked_seats" >= 0 and ("calendar_entries"."capacity" is null or "calendar_entries"."booked_seats" <= "calendar_entries"."capacity"));--> statement-breakpoint
ALTER TABLE "calendar_entries" ADD CONSTRAINT "calendar_entries_location_coordinates_check" CHECK (("calendar_entries"."location_lat" is null) = ("calendar_entries"."location_lng" is null) and "calendar_entries"."location_lat" between -90 and 90 and "calendar_entries"."location_lng" between -180 and 180);--> statement-breakpoint
ALTER TABLE "calendars" ADD CONSTRAINT "calendars_container_type_check" CHECK ("calendars"."container_type" in ('post', 'page', 'market'));