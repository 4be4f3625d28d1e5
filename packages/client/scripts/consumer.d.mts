export declare const pkgDir: string;
export declare const variants: Record<'bundler' | 'node16' | 'node10', Record<string, unknown>>;
export declare function packClient(destination: string): string;
export declare function createConsumer(tarball: string, sources: string[]): string;
export declare function compile(
  dir: string,
  variant: string,
): { status: number | null; output: string; ms: number; cpuMs: number };
