CREATE TABLE "gateway_customers" (
	"tenant_id" integer NOT NULL,
	"customer_id" integer NOT NULL,
	"gateway_account_id" integer NOT NULL,
	"external_customer_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gateway_customers_tenant_id_customer_id_gateway_account_id_pk" PRIMARY KEY("tenant_id","customer_id","gateway_account_id")
);
--> statement-breakpoint
CREATE TABLE "tenant_data_keys" (
	"tenant_id" integer NOT NULL,
	"version" integer NOT NULL,
	"wrapped_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tenant_data_keys_tenant_id_version_pk" PRIMARY KEY("tenant_id","version")
);
--> statement-breakpoint
ALTER TABLE "gateway_accounts" ADD COLUMN "secret_key_version" integer;--> statement-breakpoint
ALTER TABLE "payment_methods" ADD COLUMN "pan_ciphertext" text;--> statement-breakpoint
ALTER TABLE "payment_methods" ADD COLUMN "pan_key_version" integer;--> statement-breakpoint
ALTER TABLE "gateway_customers" ADD CONSTRAINT "gateway_customers_customer_fk" FOREIGN KEY ("tenant_id","customer_id") REFERENCES "public"."customers"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_customers" ADD CONSTRAINT "gateway_customers_gateway_account_fk" FOREIGN KEY ("tenant_id","gateway_account_id") REFERENCES "public"."gateway_accounts"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_data_keys" ADD CONSTRAINT "tenant_data_keys_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "payment_methods_pan_key_version_idx" ON "payment_methods" USING btree ("tenant_id","pan_key_version","id") WHERE "payment_methods"."pan_ciphertext" is not null;--> statement-breakpoint
ALTER TABLE "payment_methods" ADD CONSTRAINT "payment_methods_vault_consistent" CHECK ("payment_methods"."stored_in_vault" = ("payment_methods"."pan_ciphertext" is not null) and ("payment_methods"."pan_ciphertext" is null) = ("payment_methods"."pan_key_version" is null));