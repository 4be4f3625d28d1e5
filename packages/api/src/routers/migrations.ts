import {
  createMigrationJobInput,
  listMigrationItemsInput,
  listMigrationJobsInput,
  migrationItemList,
  migrationJobDto,
  migrationJobIdInput,
  migrationJobList,
} from '@cardbridge/core';
import * as migrations from '../services/migrations/index.js';
import { protectedProcedure, router } from '../trpc.js';

/** Bulk migration jobs (scope `imports`; a job's source may need more, checked when it is created). */
export const migrationsRouter = router({
  create: protectedProcedure
    .input(createMigrationJobInput)
    .output(migrationJobDto)
    .mutation(({ ctx, input }) => migrations.createMigrationJob(ctx.deps, ctx.principal, input)),
  get: protectedProcedure
    .input(migrationJobIdInput)
    .output(migrationJobDto)
    .query(({ ctx, input }) => migrations.getMigrationJobDto(ctx.deps, ctx.principal, input)),
  list: protectedProcedure
    .input(listMigrationJobsInput)
    .output(migrationJobList)
    .query(({ ctx, input }) => migrations.listMigrationJobs(ctx.deps, ctx.principal, input)),
  items: protectedProcedure
    .input(listMigrationItemsInput)
    .output(migrationItemList)
    .query(({ ctx, input }) => migrations.listMigrationJobItems(ctx.deps, ctx.principal, input)),
  pause: protectedProcedure
    .input(migrationJobIdInput)
    .output(migrationJobDto)
    .mutation(({ ctx, input }) => migrations.controlMigrationJob(ctx.deps, ctx.principal, input, 'pause')),
  resume: protectedProcedure
    .input(migrationJobIdInput)
    .output(migrationJobDto)
    .mutation(({ ctx, input }) => migrations.controlMigrationJob(ctx.deps, ctx.principal, input, 'resume')),
  cancel: protectedProcedure
    .input(migrationJobIdInput)
    .output(migrationJobDto)
    .mutation(({ ctx, input }) => migrations.controlMigrationJob(ctx.deps, ctx.principal, input, 'cancel')),
});
