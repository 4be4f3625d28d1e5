CREATE TABLE "gateway_intents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" integer NOT NULL,
	"operation_id" uuid NOT NULL,
	"action" text NOT NULL,
	"gateway_account_id" integer NOT NULL,
	"payment_method_id" integer,
	"customer_id" integer,
	"state" text DEFAULT 'pending' NOT NULL,
	"external_customer_id" text,
	"external_object_id" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"lease_until" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"modified_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"tenant_id" integer NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"procedure" text NOT NULL,
	"state" text DEFAULT 'in_flight' NOT NULL,
	"response" jsonb,
	"lease_until" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_tenant_id_key_pk" PRIMARY KEY("tenant_id","key")
);
--> statement-breakpoint
ALTER TABLE "payment_methods" ADD COLUMN "claim_operation_id" uuid;--> statement-breakpoint
ALTER TABLE "payment_methods" ADD COLUMN "claimed_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "gateway_intents" ADD CONSTRAINT "gateway_intents_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_intents" ADD CONSTRAINT "gateway_intents_gateway_account_fk" FOREIGN KEY ("tenant_id","gateway_account_id") REFERENCES "public"."gateway_accounts"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "gateway_intents_open_idx" ON "gateway_intents" USING btree ("lease_until") WHERE "gateway_intents"."state" = 'pending';--> statement-breakpoint
CREATE INDEX "gateway_intents_operation_idx" ON "gateway_intents" USING btree ("operation_id");--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_idx" ON "idempotency_keys" USING btree ("created_at");