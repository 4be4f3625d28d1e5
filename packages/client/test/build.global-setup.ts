/** Builds dist/ (what `pnpm pack` ships) once before the tests: dist/ is not committed. */
export default async function setup() {
  // @ts-expect-error: a plain ES module without declarations
  const { build } = await import('../scripts/build.mjs');
  build({ log: () => {} });
}
