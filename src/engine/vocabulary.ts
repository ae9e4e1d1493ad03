/**
 * The engine's vocabulary: the closed sets, value types and pure helpers that the UI, the
 * worker protocol and the harness speak. Everything outside the engine that needs a phase, a
 * fault kind or a result type imports it from here, never from the engine's internals.
 */
export { assertNever } from './assert-never.ts';
export { PHASES, ROUTES, isPhase, phaseIndex, writesBothSides, type OldTables, type Phase, type Route } from './phases.ts';
export { CORRUPTIONS, CRASH_POINTS, FAULT_KINDS, type ArmedFault, type Corruption, type CrashPoint, type FaultKind, type FaultSpec } from './faults.ts';
export { POLICIES, SIDES, TOPOLOGIES, type Policy, type Scenario, type Side, type Topology } from './scenario/format.ts';
export { DURABILITY_MODES, type DurabilityMode } from './durability/types.ts';
export { sqlValueToText, type Params, type Row, type SqlValue } from './sql.ts';
export type { CopyProgress, GuardCheck, Hazard, HazardKind, Observation, OperationResult, Outcome, PhaseMove, RollbackPlan, ShadowGate, SideError } from './results.ts';
export type { AppReadMismatch, AppReadsReport, ConsistencyReport, Discrepancy, DiscrepancyKind, FieldDiff } from './checks/consistency.ts';
export type { MetricsSnapshot } from './checks/metrics.ts';
export type { StartingRecordsRequest } from './control-state.ts';
export type { StartingRecordsProgress } from './actions/starting-records.ts';
export type { HistoryReport, LostWrite, UnexpectedValue } from './checks/history-checker.ts';
export { recordCompletion, type HistoryOp } from './checks/history.ts';
export type { EngineEvent } from './events.ts';
export type { ControlState, JsonSqlValue, MoveOptions, ShadowNote, ShadowNoteDiff, ShadowWindow, VerifySummary } from './control-state.ts';
