CREATE TABLE "gateway_rate_budgets" (
	"gateway_account_id" integer PRIMARY KEY NOT NULL,
	"next_at" timestamp with time zone DEFAULT now() NOT NULL,
	"blocked_until" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "migration_file_parts" (
	"tenant_id" integer NOT NULL,
	"file_id" integer NOT NULL,
	"part_no" integer NOT NULL,
	"data" text NOT NULL,
	"key_version" integer,
	CONSTRAINT "migration_file_parts_file_id_part_no_pk" PRIMARY KEY("file_id","part_no")
);
--> statement-breakpoint
CREATE TABLE "migration_files" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "migration_files_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"tenant_id" integer NOT NULL,
	"name" text NOT NULL,
	"bytes" bigint DEFAULT 0 NOT NULL,
	"storage" text NOT NULL,
	"complete" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "migration_files_tenant_id_id_key" UNIQUE("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "migration_job_chunks" (
	"tenant_id" integer NOT NULL,
	"job_id" integer NOT NULL,
	"chunk_no" integer NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"payload" jsonb NOT NULL,
	"rows" integer NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"done_at" timestamp with time zone,
	CONSTRAINT "migration_job_chunks_job_id_chunk_no_pk" PRIMARY KEY("job_id","chunk_no")
);
--> statement-breakpoint
CREATE TABLE "migration_job_items" (
	"tenant_id" integer NOT NULL,
	"job_id" integer NOT NULL,
	"item_key" text NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "migration_job_items_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"chunk_no" integer,
	"position" integer,
	"source_customer_id" text,
	"source_card_id" text,
	"outcome" text NOT NULL,
	"reason" text,
	"customer_id" integer,
	"payment_method_id" integer,
	"customer_created" boolean DEFAULT false NOT NULL,
	"details" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "migration_job_items_job_id_item_key_pk" PRIMARY KEY("job_id","item_key")
);
--> statement-breakpoint
CREATE TABLE "migration_jobs" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "migration_jobs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"tenant_id" integer NOT NULL,
	"kind" text NOT NULL,
	"dry_run" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"gateway_account_id" integer,
	"file_id" integer,
	"options" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"checkpoint" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source_read" boolean DEFAULT false NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"requests" integer DEFAULT 0 NOT NULL,
	"error" text,
	"requested_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"modified_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "migration_jobs_tenant_id_id_key" UNIQUE("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "migration_file_parts" ADD CONSTRAINT "migration_file_parts_file_fk" FOREIGN KEY ("tenant_id","file_id") REFERENCES "public"."migration_files"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "migration_files" ADD CONSTRAINT "migration_files_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "migration_job_chunks" ADD CONSTRAINT "migration_job_chunks_job_fk" FOREIGN KEY ("tenant_id","job_id") REFERENCES "public"."migration_jobs"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "migration_job_items" ADD CONSTRAINT "migration_job_items_job_fk" FOREIGN KEY ("tenant_id","job_id") REFERENCES "public"."migration_jobs"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "migration_jobs" ADD CONSTRAINT "migration_jobs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "migration_jobs" ADD CONSTRAINT "migration_jobs_gateway_account_fk" FOREIGN KEY ("tenant_id","gateway_account_id") REFERENCES "public"."gateway_accounts"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "migration_job_chunks_pending_idx" ON "migration_job_chunks" USING btree ("job_id","chunk_no") WHERE "migration_job_chunks"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "migration_job_items_job_seq_idx" ON "migration_job_items" USING btree ("job_id","seq");--> statement-breakpoint
CREATE INDEX "migration_jobs_tenant_id_desc_idx" ON "migration_jobs" USING btree ("tenant_id","id" DESC NULLS LAST);