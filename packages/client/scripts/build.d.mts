/** Words that never appear in dist/*.d.ts (the build fails if one does). */
export declare const forbiddenInDeclarations: readonly string[];
/** Fails when a declaration in `dir` (dist/ by default) mentions one or imports a foreign module. */
export declare function checkDeclarations(dir?: string): void;
/** Builds dist/ (see the script's header). */
export declare function build(opts?: { log?: (line: string) => void }): void;
