import type { Plugin } from 'vite';

export declare const BUDGET_FIELD: string;
/** A chunk or asset of Rollup's output bundle, as far as the budget reads it. */
export type BundleEntry = { readonly type: 'chunk'; readonly fileName: string; readonly isEntry: boolean; readonly imports: readonly string[]; readonly code: string } | { readonly type: 'asset'; readonly fileName: string };
export interface InitialChunk {
  readonly fileName: string;
  readonly bytes: number;
  readonly gzipBytes: number;
}
export declare function readBudgetKb(packageJsonText: string): number;
export declare function initialChunks(bundle: Readonly<Record<string, BundleEntry>>): InitialChunk[];
export declare function checkBudget(bundle: Readonly<Record<string, BundleEntry>>, budgetKb: number): { ok: boolean; totalGzipBytes: number; chunks: InitialChunk[]; message: string };
export declare function sizeBudget(): Plugin;
