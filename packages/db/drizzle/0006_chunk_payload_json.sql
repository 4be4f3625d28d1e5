ALTER TABLE "migration_job_chunks" ALTER COLUMN "payload" SET DATA TYPE json USING "payload"::json;--> statement-breakpoint
ALTER TABLE "migration_job_chunks" ALTER COLUMN "payload" SET STORAGE EXTERNAL;
