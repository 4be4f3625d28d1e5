CREATE TABLE "api_keys" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "api_keys_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"tenant_id" integer NOT NULL,
	"key_id" text NOT NULL,
	"secret_hash" text NOT NULL,
	"name" text NOT NULL,
	"scopes" text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	CONSTRAINT "api_keys_key_id_unique" UNIQUE("key_id"),
	CONSTRAINT "api_keys_tenant_id_id_key" UNIQUE("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"tenant_id" integer,
	"actor_key_id" text,
	"action" text NOT NULL,
	"target_type" text,
	"target_id" text,
	"outcome" text NOT NULL,
	"origin" text,
	"details" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "customers" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "customers_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"tenant_id" integer NOT NULL,
	"first_name" text,
	"last_name" text,
	"email" text,
	"company_name" text,
	"reference" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"modified_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "customers_tenant_id_id_key" UNIQUE("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "gateway_accounts" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "gateway_accounts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"tenant_id" integer NOT NULL,
	"type" text NOT NULL,
	"name" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"secret_ciphertext" text,
	"secret_key_version" integer,
	"secret_last4" text,
	"livemode" boolean DEFAULT false NOT NULL,
	"connected_account_id" text,
	"api_base" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gateway_accounts_tenant_id_id_key" UNIQUE("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "gateway_customers" (
	"tenant_id" integer NOT NULL,
	"customer_id" integer NOT NULL,
	"gateway_account_id" integer NOT NULL,
	"external_customer_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gateway_customers_tenant_id_customer_id_gateway_account_id_pk" PRIMARY KEY("tenant_id","customer_id","gateway_account_id")
);
--> statement-breakpoint
CREATE TABLE "payment_method_exports" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "payment_method_exports_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"tenant_id" integer NOT NULL,
	"payment_method_id" integer NOT NULL,
	"gateway_account_id" integer NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"export_key" text NOT NULL,
	"external_customer_id" text,
	"external_card_id" text,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"modified_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payment_method_exports_tenant_id_id_key" UNIQUE("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "payment_methods" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "payment_methods_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"tenant_id" integer NOT NULL,
	"customer_id" integer NOT NULL,
	"gateway_account_id" integer,
	"status" text DEFAULT 'active' NOT NULL,
	"original_payment_method_id" integer,
	"external_customer_id" text,
	"external_card_id" text,
	"stored_in_vault" boolean DEFAULT false NOT NULL,
	"fingerprint" text,
	"pan_ciphertext" text,
	"pan_key_version" integer,
	"card_type" text NOT NULL,
	"masked_card_number" text NOT NULL,
	"expiration_month" integer NOT NULL,
	"expiration_year" integer NOT NULL,
	"first_name" text DEFAULT '' NOT NULL,
	"last_name" text DEFAULT '' NOT NULL,
	"address1" text DEFAULT '' NOT NULL,
	"address2" text DEFAULT '' NOT NULL,
	"country_id" integer,
	"country" text DEFAULT '' NOT NULL,
	"state_id" integer,
	"state" text DEFAULT '' NOT NULL,
	"city" text DEFAULT '' NOT NULL,
	"postal_zip" text DEFAULT '' NOT NULL,
	"email" text,
	"is_default" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"modified_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payment_methods_tenant_id_id_key" UNIQUE("tenant_id","id"),
	CONSTRAINT "payment_methods_default_is_active" CHECK (not "payment_methods"."is_default" or "payment_methods"."status" = 'active'),
	CONSTRAINT "payment_methods_vault_consistent" CHECK ("payment_methods"."stored_in_vault" = ("payment_methods"."pan_ciphertext" is not null) and ("payment_methods"."pan_ciphertext" is null) = ("payment_methods"."pan_key_version" is null)),
	CONSTRAINT "payment_methods_expiration_month" CHECK ("payment_methods"."expiration_month" between 1 and 12)
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
CREATE TABLE "tenants" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "tenants_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customers" ADD CONSTRAINT "customers_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_accounts" ADD CONSTRAINT "gateway_accounts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_customers" ADD CONSTRAINT "gateway_customers_customer_fk" FOREIGN KEY ("tenant_id","customer_id") REFERENCES "public"."customers"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_customers" ADD CONSTRAINT "gateway_customers_gateway_account_fk" FOREIGN KEY ("tenant_id","gateway_account_id") REFERENCES "public"."gateway_accounts"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_method_exports" ADD CONSTRAINT "payment_method_exports_payment_method_fk" FOREIGN KEY ("tenant_id","payment_method_id") REFERENCES "public"."payment_methods"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_method_exports" ADD CONSTRAINT "payment_method_exports_gateway_account_fk" FOREIGN KEY ("tenant_id","gateway_account_id") REFERENCES "public"."gateway_accounts"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_methods" ADD CONSTRAINT "payment_methods_customer_fk" FOREIGN KEY ("tenant_id","customer_id") REFERENCES "public"."customers"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_methods" ADD CONSTRAINT "payment_methods_gateway_account_fk" FOREIGN KEY ("tenant_id","gateway_account_id") REFERENCES "public"."gateway_accounts"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_methods" ADD CONSTRAINT "payment_methods_original_fk" FOREIGN KEY ("tenant_id","original_payment_method_id") REFERENCES "public"."payment_methods"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_data_keys" ADD CONSTRAINT "tenant_data_keys_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_tenant_created_idx" ON "audit_events" USING btree ("tenant_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "customers_tenant_reference_key" ON "customers" USING btree ("tenant_id","reference") WHERE "customers"."reference" is not null;--> statement-breakpoint
CREATE INDEX "customers_tenant_id_desc_idx" ON "customers" USING btree ("tenant_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "gateway_accounts_one_default_per_tenant" ON "gateway_accounts" USING btree ("tenant_id") WHERE "gateway_accounts"."is_default";--> statement-breakpoint
CREATE UNIQUE INDEX "payment_method_exports_one_live_per_destination" ON "payment_method_exports" USING btree ("tenant_id","payment_method_id","gateway_account_id") WHERE "payment_method_exports"."status" <> 'failed';--> statement-breakpoint
CREATE UNIQUE INDEX "payment_methods_one_default_per_customer" ON "payment_methods" USING btree ("tenant_id","customer_id") WHERE "payment_methods"."is_default";--> statement-breakpoint
CREATE UNIQUE INDEX "payment_methods_external_card_key" ON "payment_methods" USING btree ("tenant_id","gateway_account_id","external_card_id") WHERE "payment_methods"."external_card_id" is not null and "payment_methods"."status" <> 'deleted';--> statement-breakpoint
CREATE INDEX "payment_methods_active_list_idx" ON "payment_methods" USING btree ("tenant_id","customer_id","id" DESC NULLS LAST) WHERE "payment_methods"."status" = 'active';--> statement-breakpoint
CREATE INDEX "payment_methods_pan_key_version_idx" ON "payment_methods" USING btree ("tenant_id","pan_key_version","id") WHERE "payment_methods"."pan_ciphertext" is not null;