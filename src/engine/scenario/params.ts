/**
 * Parameter generators: turn a scenario's specs (`{"oneOf": [...]}`, `{"template": "run-{seq}"}`)
 * into values, deterministically from a seeded random stream.
 */
import type { Random } from '../random.ts';
import type { Params, SqlValue } from '../sql.ts';
import type { Operation, ParamSpec } from './format.ts';

/** What generators may consult. */
export interface ParamContext {
  readonly random: Random;
  /** Current time in epoch milliseconds. */
  now(): number;
  /** A counter unique within the rehearsal (`{seq}`). */
  nextSeq(): number;
  /** A record of `collection` believed to exist (key and field columns), or undefined when there is none. */
  pickExisting(collection: string): Readonly<Record<string, SqlValue>> | undefined;
}

const WORDS = [
  'plan', 'tasks', 'implement', 'validate', 'audit', 'unlock', 'consensus', 'agent', 'schema', 'migration',
  'artifact', 'session', 'workspace', 'queue', 'status', 'retry', 'backfill', 'shadow', 'fallback', 'verify',
  'latency', 'journal', 'snapshot', 'rollback', 'cutover', 'index', 'stage', 'review', 'synthesis', 'output',
];

/** Formats epoch milliseconds as SQLite's `YYYY-MM-DD HH:MM:SS` (optionally with `.SSS`). */
export function formatIso(ms: number, withMillis = false): string {
  const iso = new Date(ms).toISOString(); // 2025-11-13T10:00:00.000Z
  return `${iso.slice(0, 10)} ${iso.slice(11, withMillis ? 23 : 19)}`;
}

/** Generates the parameters of one invocation of `op`. */
export function generateParams(op: Operation, ctx: ParamContext): Params {
  const out: Record<string, SqlValue> = {};
  // Every `existing` spec naming one collection reads from the same record, so that
  // job_id and workspace_id of an update belong together.
  const picks = new Map<string, Readonly<Record<string, SqlValue>> | 'missing'>();
  const pickFor = (collection: string, missing: number): Readonly<Record<string, SqlValue>> | 'missing' => {
    let pick = picks.get(collection);
    if (pick === undefined) {
      const found = ctx.random.chance(missing) ? undefined : ctx.pickExisting(collection);
      pick = found ?? 'missing';
      picks.set(collection, pick);
    }
    return pick;
  };
  for (const [name, spec] of Object.entries(op.params)) out[name] = generateValue(spec, ctx, pickFor);
  return out;
}

function generateValue(
  spec: ParamSpec,
  ctx: ParamContext,
  pickFor: (collection: string, missing: number) => Readonly<Record<string, SqlValue>> | 'missing',
): SqlValue {
  if ('const' in spec) return spec.const;
  if ('oneOf' in spec) return ctx.random.pick(spec.oneOf);
  if ('int' in spec) return ctx.random.int(spec.int[0], spec.int[1]);
  if ('template' in spec) return expandTemplate(spec.template, ctx);
  if ('text' in spec) {
    const n = ctx.random.int(spec.text[0], spec.text[1]);
    return Array.from({ length: n }, () => ctx.random.pick(WORDS)).join(' ');
  }
  if ('now' in spec) {
    const ms = ctx.now();
    return spec.now === 'ms' ? ms : formatIso(ms, spec.now === 'iso-ms');
  }
  if ('existing' in spec) {
    const pick = pickFor(spec.existing, spec.missing ?? 0);
    if (pick === 'missing') return `missing-${ctx.nextSeq()}`;
    return pick[spec.field] ?? null;
  }
  if ('nullable' in spec) {
    return ctx.random.chance(spec.nullable) ? null : generateValue(spec.of, ctx, pickFor);
  }
  if ('list' in spec) {
    const n = ctx.random.int(spec.length[0], spec.length[1]);
    return JSON.stringify(Array.from({ length: n }, () => jsonValue(generateValue(spec.list, ctx, pickFor), spec.list)));
  }
  const obj: Record<string, unknown> = {};
  for (const [k, sub] of Object.entries(spec.object)) obj[k] = jsonValue(generateValue(sub, ctx, pickFor), sub);
  return JSON.stringify(obj);
}

/** Nested objects and lists are embedded as JSON, not as strings holding JSON. */
function jsonValue(value: SqlValue, spec: ParamSpec): unknown {
  if (typeof value === 'string' && ('object' in spec || 'list' in spec)) return JSON.parse(value) as unknown;
  if (value instanceof Uint8Array) return [...value];
  return value;
}

function expandTemplate(template: string, ctx: ParamContext): string {
  return template.replace(/\{([^{}]*)\}/g, (_, body: string) => {
    const [name, ...args] = body.split(':');
    switch (name) {
      case 'seq':
        return String(ctx.nextSeq());
      case 'int':
        return String(ctx.random.int(Number(args[0]), Number(args[1])));
      case 'hex':
        return Array.from({ length: Number(args[0]) }, () => ctx.random.int(0, 15).toString(16)).join('');
      case 'pick':
        return ctx.random.pick((args[0] ?? '').split('|'));
      default:
        // The validator rejects unknown placeholders; leave text untouched if one slips through.
        return `{${body}}`;
    }
  });
}
