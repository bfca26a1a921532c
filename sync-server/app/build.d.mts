// Types of build.mjs (plain JavaScript so that `node` runs it before anything is compiled).
export declare const REPO_ROOT: string;
export declare const ENTRIES: string[];
/** Why the build in outDir is stale, or null when it is up to date. */
export declare function staleReason(outDir: string, sourceRoot?: string): string | null;
/** Bundles the server's entries into outDir. */
export declare function buildServer(options?: {
  sourceRoot?: string;
  outDir?: string;
}): Promise<{ outDir: string; inputs: number }>;
/** The esbuild options of the server's build. */
export declare function serverBuildOptions(sourceRoot?: string): import('esbuild').BuildOptions;
