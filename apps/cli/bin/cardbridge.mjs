#!/usr/bin/env node
// The package's bin (`pnpm exec cardbridge`): loads the TypeScript entry through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
await main();
