#!/usr/bin/env node
/*
 * How long an app outside the workspace takes to type-check against the packed
 * @cardbridge/client: `tsc --noEmit` of test/consumer/app.ts (a 40-line client: a query, a
 * mutation, the error type) against an empty app (test/consumer/empty.ts) under the same strict
 * tsconfig (skipLibCheck off, so tRPC's declarations and the libs are checked in both). Prints
 * the median of a few runs per resolution mode, and the ratio. Goal: the consumer under 3 s.
 *
 *   pnpm bench:client            (RUNS=5 pnpm bench:client for more runs)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { compile, createConsumer, packClient } from '../scripts/consumer.mjs';

const runs = Number(process.env.RUNS ?? 3);
const goalMs = 3000;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const work = mkdtempSync(path.join(tmpdir(), 'cardbridge-client-bench-'));
const dirs = [];
try {
  process.stdout.write('packing @cardbridge/client (builds dist/)… ');
  const packStarted = performance.now();
  const tarball = packClient(work);
  console.log(`${((performance.now() - packStarted) / 1000).toFixed(1)} s`);
  const consumer = createConsumer(tarball, ['app.ts']);
  const empty = createConsumer(tarball, ['empty.ts']);
  dirs.push(consumer, empty);
  // Each mode also with skipLibCheck on, as most apps have it: what our declarations cost alone.
  const benched = ['bundler', 'node16'];
  const modes = benched.flatMap((v) => [v, `${v}.skipLibCheck`]);
  for (const dir of [consumer, empty]) {
    for (const v of benched) {
      const config = { extends: `./tsconfig.${v}.json`, compilerOptions: { skipLibCheck: true } };
      writeFileSync(path.join(dir, `tsconfig.${v}.skipLibCheck.json`), `${JSON.stringify(config)}\n`);
    }
  }

  const time = (dir, variant) => {
    const wall = [];
    const cpu = [];
    for (let i = 0; i < runs; i += 1) {
      const r = compile(dir, variant);
      if (r.status !== 0) throw new Error(`tsc failed in ${dir} (${variant}):\n${r.output}`);
      wall.push(r.ms);
      cpu.push(r.cpuMs);
    }
    return { wall: median(wall), cpu: median(cpu) };
  };
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

  console.log(
    `\ntsc --noEmit, median of ${runs} runs, strict + exactOptionalPropertyTypes + skipLibCheck: false`,
  );
  console.log(
    '(wall clock; CPU time of tsc in brackets: a busy machine stretches the first, not the second)\n',
  );
  console.log('mode                    empty app            40-line consumer     ratio*  goal (< 3 s)*');
  let worst = 0;
  for (const variant of modes) {
    time(empty, variant); // warm the file cache
    const base = time(empty, variant);
    const app = time(consumer, variant);
    worst = Math.max(worst, app.cpu);
    console.log(
      `${variant.padEnd(23)} ${`${s(base.wall)} [${s(base.cpu)}]`.padEnd(20)} ` +
        `${`${s(app.wall)} [${s(app.cpu)}]`.padEnd(20)} ${(app.cpu / base.cpu).toFixed(2).padStart(5)}   ` +
        `${app.cpu < goalMs ? 'met' : 'NOT met'}`,
    );
  }
  const [load] = loadavg();
  console.log(
    `\n* on CPU time. Slowest consumer compile: ${s(worst)} of CPU (goal < ${goalMs / 1000} s); ` +
      `load average ${load.toFixed(1)} on ${availableParallelism()} cores`,
  );
} finally {
  for (const dir of [work, ...dirs]) rmSync(dir, { recursive: true, force: true });
}
