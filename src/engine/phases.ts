/**
 * The six phases (DESIGN.md section 2) and the routing table: where writes go, in which order,
 * which side serves reads, what is compared. Everything else asks `routeOf`, which applies the
 * scenario's `writeAuthorityInReadNew` to the table (docs/architecture.md#routing).
 */
import type { Side } from './scenario/format.ts';

export const PHASES = ['old-only', 'dual-write', 'shadow', 'read-new', 'new-only', 'old-dropped'] as const;
export type Phase = (typeof PHASES)[number];

/** What the old tables allow in a phase. */
export type OldTables = 'read-write' | 'read-only' | 'dropped';

/** How one phase routes operations. */
export interface Route {
  /** Sides written, authoritative first. */
  readonly writes: readonly Side[];
  /** Side that serves reads. */
  readonly reads: Side;
  /** Side read on a miss or an error of `reads`, if any. */
  readonly fallback: Side | undefined;
  /** Side also read and compared with `reads` (shadow reads), if any. */
  readonly shadow: Side | undefined;
  readonly oldTables: OldTables;
  /** One line for people: what reads and writes do. */
  readonly summary: string;
}

/** The routing table, with read-new's writes new-first (`writeAuthorityInReadNew: "new"`, the default). */
export const ROUTES: Readonly<Record<Phase, Route>> = {
  'old-only': {
    writes: ['old'],
    reads: 'old',
    fallback: undefined,
    shadow: undefined,
    oldTables: 'read-write',
    summary: 'Writes go to old only; reads are served by old.',
  },
  'dual-write': {
    writes: ['old', 'new'],
    reads: 'old',
    fallback: undefined,
    shadow: undefined,
    oldTables: 'read-write',
    summary: 'Writes go to old (authoritative), then new; reads are served by old.',
  },
  shadow: {
    writes: ['old', 'new'],
    reads: 'old',
    fallback: undefined,
    shadow: 'new',
    oldTables: 'read-write',
    summary: 'Writes go to old (authoritative), then new; reads are served by old while new is read too and compared.',
  },
  'read-new': {
    writes: ['new', 'old'],
    reads: 'new',
    fallback: 'old',
    shadow: undefined,
    oldTables: 'read-write',
    summary: 'Writes go to new (authoritative), then old; reads are served by new, falling back to old when new has no rows or fails.',
  },
  'new-only': {
    writes: ['new'],
    reads: 'new',
    fallback: 'old',
    shadow: undefined,
    oldTables: 'read-only',
    summary: 'Writes go to new only; old is read-only; reads are served by new, falling back to old.',
  },
  'old-dropped': {
    writes: ['new'],
    reads: 'new',
    fallback: undefined,
    shadow: undefined,
    oldTables: 'dropped',
    summary: 'Writes and reads use new only; the old schema is dropped (a backup was taken first).',
  },
};

/**
 * How `phase` routes operations for a scenario: the table, except that with
 * `writeAuthorityInReadNew: "old"` writes in `read-new` stay old-first (seeds 000 and 002 read
 * new-first with fallback while old stayed authoritative for writes).
 */
export function routeOf(phase: Phase, settings: { readonly writeAuthorityInReadNew: Side }): Route {
  if (phase !== 'read-new' || settings.writeAuthorityInReadNew === 'new') return ROUTES[phase];
  return READ_NEW_OLD_AUTHORITY;
}

const READ_NEW_OLD_AUTHORITY: Route = {
  ...ROUTES['read-new'],
  writes: ['old', 'new'],
  summary: 'Writes go to old (authoritative), then new; reads are served by new, falling back to old when new has no rows or fails.',
};

/** Position of a phase, 0 to 5. */
export function phaseIndex(phase: Phase): number {
  return PHASES.indexOf(phase);
}

/** Whether writes in `phase` reach both sides (the same under either `writeAuthorityInReadNew`). */
export function writesBothSides(phase: Phase): boolean {
  return ROUTES[phase].writes.length === 2;
}

/** Whether `value` names a phase. */
export function isPhase(value: unknown): value is Phase {
  return typeof value === 'string' && (PHASES as readonly string[]).includes(value);
}
