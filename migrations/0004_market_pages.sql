CREATE TABLE "markets_suppliers" (
	"market_id" integer NOT NULL,
	"supplier_id" integer NOT NULL,
	CONSTRAINT "markets_suppliers_pkey" PRIMARY KEY("market_id","supplier_id")
);
--> statement-breakpoint
ALTER TABLE "products" ALTER COLUMN "search" DROP EXPRESSION;--> statement-breakpoint
ALTER TABLE "products" ALTER COLUMN "search" SET DEFAULT ''::tsvector;--> statement-breakpoint
ALTER TABLE "markets" ADD COLUMN "opening_times" text;--> statement-breakpoint
ALTER TABLE "scrape_runs" ADD COLUMN "trigger" text DEFAULT 'command' NOT NULL;--> statement-breakpoint
ALTER TABLE "markets_suppliers" ADD CONSTRAINT "markets_suppliers_market_id_markets_id_fk" FOREIGN KEY ("market_id") REFERENCES "public"."markets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "markets_suppliers" ADD CONSTRAINT "markets_suppliers_supplier_id_suppliers_id_fk" FOREIGN KEY ("supplier_id") REFERENCES "public"."suppliers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "markets_suppliers_supplier_id_idx" ON "markets_suppliers" USING btree ("supplier_id");--> statement-breakpoint
ALTER TABLE "scrape_runs" ADD CONSTRAINT "scrape_runs_trigger_check" CHECK ("scrape_runs"."trigger" in ('schedule', 'admin', 'command'));