/** What a benchmark row is given: the size of the run and a place to say what it is doing. */
import type { Row } from './report.ts';

export interface Config {
  /** Small sizes and few rounds: a smoke run. */
  readonly quick: boolean;
  /** Progress, on stderr. */
  readonly log: (message: string) => void;
}

/** One benchmark: an id (what `--only` matches) and what it measures. Several rows may share a spec. */
export interface Spec {
  readonly id: string;
  /** Skipped by --quick (too big for a smoke run). */
  readonly full?: boolean;
  readonly run: (config: Config) => Promise<Row[]>;
}

/** `quick` or `full`, by the config. */
export const pick = <T>(config: Config, quick: T, full: T): T => (config.quick ? quick : full);
