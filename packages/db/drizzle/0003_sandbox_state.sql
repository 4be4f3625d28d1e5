CREATE TABLE "sandbox_accounts" (
	"tenant_id" integer NOT NULL,
	"gateway_account_id" integer PRIMARY KEY NOT NULL,
	"fingerprint_secret" text NOT NULL,
	"last_id" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sandbox_cards" (
	"tenant_id" integer NOT NULL,
	"gateway_account_id" integer NOT NULL,
	"id" text NOT NULL,
	"customer_id" text,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "sandbox_cards_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sandbox_cards_gateway_account_id_id_pk" PRIMARY KEY("gateway_account_id","id")
);
--> statement-breakpoint
CREATE TABLE "sandbox_charges" (
	"tenant_id" integer NOT NULL,
	"gateway_account_id" integer NOT NULL,
	"id" text NOT NULL,
	"customer_id" text,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "sandbox_charges_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sandbox_charges_gateway_account_id_id_pk" PRIMARY KEY("gateway_account_id","id")
);
--> statement-breakpoint
CREATE TABLE "sandbox_customers" (
	"tenant_id" integer NOT NULL,
	"gateway_account_id" integer NOT NULL,
	"id" text NOT NULL,
	"customer_id" text,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "sandbox_customers_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sandbox_customers_gateway_account_id_id_pk" PRIMARY KEY("gateway_account_id","id")
);
--> statement-breakpoint
CREATE TABLE "sandbox_idempotency_keys" (
	"tenant_id" integer NOT NULL,
	"gateway_account_id" integer NOT NULL,
	"id" text NOT NULL,
	"customer_id" text,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "sandbox_idempotency_keys_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sandbox_idempotency_keys_gateway_account_id_id_pk" PRIMARY KEY("gateway_account_id","id")
);
--> statement-breakpoint
CREATE TABLE "sandbox_refunds" (
	"tenant_id" integer NOT NULL,
	"gateway_account_id" integer NOT NULL,
	"id" text NOT NULL,
	"customer_id" text,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "sandbox_refunds_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sandbox_refunds_gateway_account_id_id_pk" PRIMARY KEY("gateway_account_id","id")
);
--> statement-breakpoint
ALTER TABLE "sandbox_accounts" ADD CONSTRAINT "sandbox_accounts_gateway_account_fk" FOREIGN KEY ("tenant_id","gateway_account_id") REFERENCES "public"."gateway_accounts"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sandbox_cards" ADD CONSTRAINT "sandbox_cards_gateway_account_fk" FOREIGN KEY ("tenant_id","gateway_account_id") REFERENCES "public"."gateway_accounts"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sandbox_charges" ADD CONSTRAINT "sandbox_charges_gateway_account_fk" FOREIGN KEY ("tenant_id","gateway_account_id") REFERENCES "public"."gateway_accounts"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sandbox_customers" ADD CONSTRAINT "sandbox_customers_gateway_account_fk" FOREIGN KEY ("tenant_id","gateway_account_id") REFERENCES "public"."gateway_accounts"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sandbox_idempotency_keys" ADD CONSTRAINT "sandbox_idempotency_keys_gateway_account_fk" FOREIGN KEY ("tenant_id","gateway_account_id") REFERENCES "public"."gateway_accounts"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sandbox_refunds" ADD CONSTRAINT "sandbox_refunds_gateway_account_fk" FOREIGN KEY ("tenant_id","gateway_account_id") REFERENCES "public"."gateway_accounts"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sandbox_cards_customer_idx" ON "sandbox_cards" USING btree ("gateway_account_id","customer_id","seq");--> statement-breakpoint
CREATE INDEX "sandbox_charges_customer_idx" ON "sandbox_charges" USING btree ("gateway_account_id","customer_id","seq");--> statement-breakpoint
CREATE INDEX "sandbox_customers_customer_idx" ON "sandbox_customers" USING btree ("gateway_account_id","customer_id","seq");--> statement-breakpoint
CREATE INDEX "sandbox_idempotency_keys_customer_idx" ON "sandbox_idempotency_keys" USING btree ("gateway_account_id","customer_id","seq");--> statement-breakpoint
CREATE INDEX "sandbox_refunds_customer_idx" ON "sandbox_refunds" USING btree ("gateway_account_id","customer_id","seq");