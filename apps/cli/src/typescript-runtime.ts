/**
 * `@cardbridge/server` and `@cardbridge/stripe-emulator` are workspace packages whose entry points
 * are TypeScript source. The compiled CLI (dist/) loads them through tsx's loader, registered
 * here and only by the commands that need them (`serve`, `migrate`, `stripe-emulator`: long-
 * running or rare), so no other command pays for a TypeScript compiler at start-up. Run from
 * source (vitest, `node --import tsx`), a loader is already in place and nothing is registered.
 */
let registered = false;

export async function enableTypeScriptImports(): Promise<void> {
  if (registered || import.meta.url.endsWith('.ts')) return;
  const { register } = await import('tsx/esm/api');
  register();
  registered = true;
}
