ALTER TABLE "migration_job_chunks" ADD COLUMN "records" json;--> statement-breakpoint
ALTER TABLE "migration_job_chunks" ALTER COLUMN "records" SET STORAGE EXTERNAL;
