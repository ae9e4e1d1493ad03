/** The scenario editor's dry run (`EngineApi.dryRun`). */
import type { SqlEngine } from '../engine/sql.ts';
import type { DryRunResult } from './protocol.ts';

/** Dry-runs `scenario` on a sample of `image` (an imported database), or on its seed data. */
export function dryRun(_sql: SqlEngine, _scenario: unknown, _image: Uint8Array | undefined): DryRunResult {
  throw new Error('the dry run is not built yet');
}
