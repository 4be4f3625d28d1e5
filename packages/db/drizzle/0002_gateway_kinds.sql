-- Gateway kinds (packages/api/src/gateways/kinds.ts): gateway_accounts keeps the kind's name,
-- its sealed credentials and a config document instead of Stripe-shaped columns.
-- Hand-written (drizzle-kit generate --custom): renames keep the data, and existing rows move.
--
-- Credentials: existing Stripe rows sealed the bare secret key. The vault binds a sealed value to
-- tenant, row and key version (not to a column name or purpose), so the ciphertext stays valid
-- as it is; SQL cannot re-seal it (no master key in the database). Those rows are marked
-- credentials_format = 'legacy' and the Stripe kind reads them (`legacyCredentials`); rows
-- sealed from now on hold the kind's credentials as JSON ('json'). Key rotation re-seals the
-- same plaintext, so a legacy row stays legacy until its account is re-created.
ALTER TABLE "gateway_accounts" RENAME COLUMN "type" TO "kind";--> statement-breakpoint
ALTER TABLE "gateway_accounts" RENAME COLUMN "secret_ciphertext" TO "credentials_ciphertext";--> statement-breakpoint
ALTER TABLE "gateway_accounts" RENAME COLUMN "secret_key_version" TO "credentials_key_version";--> statement-breakpoint
ALTER TABLE "gateway_accounts" RENAME COLUMN "secret_last4" TO "credentials_hint";--> statement-breakpoint
ALTER TABLE "gateway_accounts" ADD COLUMN "credentials_format" text;--> statement-breakpoint
ALTER TABLE "gateway_accounts" ADD COLUMN "config" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
UPDATE "gateway_accounts" SET "credentials_format" = 'legacy' WHERE "credentials_ciphertext" IS NOT NULL;--> statement-breakpoint
UPDATE "gateway_accounts" SET "kind" = 'sandbox' WHERE "kind" = 'test';--> statement-breakpoint
UPDATE "gateway_accounts"
SET "config" = jsonb_strip_nulls(jsonb_build_object(
  'livemode', "livemode",
  'connectedAccountId', "connected_account_id",
  'apiBase', "api_base"
))
WHERE "kind" = 'stripe';--> statement-breakpoint
ALTER TABLE "gateway_accounts" DROP COLUMN "livemode";--> statement-breakpoint
ALTER TABLE "gateway_accounts" DROP COLUMN "connected_account_id";--> statement-breakpoint
ALTER TABLE "gateway_accounts" DROP COLUMN "api_base";--> statement-breakpoint
ALTER TABLE "gateway_accounts" ADD CONSTRAINT "gateway_accounts_credentials_consistent" CHECK (("gateway_accounts"."credentials_ciphertext" is null) = ("gateway_accounts"."credentials_key_version" is null) and ("gateway_accounts"."credentials_ciphertext" is null) = ("gateway_accounts"."credentials_format" is null));
