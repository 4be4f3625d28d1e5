import type { DatabaseHandle } from '@cardbridge/db';
import { createTestDatabase } from '@cardbridge/db/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ChunkTask, JobEngine, type SourceTask, taskId } from '../src/engine.js';

/** Resolves when `check` holds; the test's own timeout bounds the wait (no timed assertion). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

describe('JobEngine on pg-boss', () => {
  let database: DatabaseHandle;
  let engine: JobEngine;
  beforeEach(async () => {
    database = await createTestDatabase();
    engine = new JobEngine({ database, pollingIntervalSeconds: 0.5 });
  });
  afterEach(async () => {
    await engine.stop();
    await database.close();
  });

  it('delivers source and chunk tasks; the same task sent twice runs once', async () => {
    const sources: SourceTask[] = [];
    const chunks: ChunkTask[] = [];
    await engine.work({
      readSource: async (t) => {
        sources.push(t);
      },
      runChunk: async (t) => {
        chunks.push(t);
      },
    });
    await engine.sendSource({ tenantId: 1, jobId: 7 });
    await engine.sendChunk({ tenantId: 1, jobId: 7, chunkNo: 0 });
    await engine.sendChunk({ tenantId: 1, jobId: 7, chunkNo: 0 });
    await engine.sendChunk({ tenantId: 1, jobId: 7, chunkNo: 1 });
    await until(() => sources.length === 1 && chunks.length === 2);
    expect(chunks.map((c) => c.chunkNo).sort()).toEqual([0, 1]);
    // A resume round is a new task for the same chunk.
    await engine.sendChunk({ tenantId: 1, jobId: 7, chunkNo: 0 }, 1);
    await until(() => chunks.length === 3);
  });

  it('retries a task whose handler failed', async () => {
    let calls = 0;
    await engine.work({
      readSource: async () => {
        calls += 1;
        if (calls === 1) throw new Error('the gateway is down');
      },
      runChunk: async () => {},
    });
    await engine.sendSource({ tenantId: 1, jobId: 8 });
    await until(() => calls === 2);
  });

  it('task ids are deterministic uuids', () => {
    expect(taskId('chunk', 1, 2, 3, 0)).toBe(taskId('chunk', 1, 2, 3, 0));
    expect(taskId('chunk', 1, 2, 3, 0)).not.toBe(taskId('chunk', 1, 2, 3, 1));
    expect(taskId('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
