ALTER TABLE "ghost_webhook_events" ADD COLUMN "delivery" text;--> statement-breakpoint
CREATE UNIQUE INDEX "ghost_webhook_events_delivery_idx" ON "ghost_webhook_events" USING btree ("delivery");