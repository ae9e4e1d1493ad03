/**
 * A cost model for simulations: sql.js answers instantly, so on the virtual clock every call
 * would take 0 ms and latency figures would say nothing. This wrapper advances the clock by a
 * seeded, plausible cost per statement (a few tenths of a millisecond, with a rare slow tail).
 */
import type { VirtualClock } from '../engine/clock.ts';
import type { Random } from '../engine/random.ts';
import type { Params, Row, SqlDatabase, SqlEngine, StatementShape } from '../engine/sql.ts';

/** Wraps `engine` so that each statement costs virtual time. */
export function withCostModel(engine: SqlEngine, clock: VirtualClock, random: Random): SqlEngine {
  const cost = (base: number, perRow: number, rows: number): number => {
    const tail = random.chance(0.01) ? random.int(2, 20) : 0;
    return Math.round((base * (0.5 + random.next()) + perRow * rows + tail) * 1000) / 1000;
  };
  return {
    open(bytes) {
      const db = engine.open(bytes);
      const wrapped: SqlDatabase = {
        run(sql: string, params?: Params): number {
          const n = db.run(sql, params);
          clock.advance(cost(0.12, 0.01, n));
          return n;
        },
        query(sql: string, params?: Params, limit?: number): Row[] {
          const rows = db.query(sql, params, limit);
          clock.advance(cost(0.06, 0.004, rows.length));
          return rows;
        },
        exec(script: string): void {
          db.exec(script);
        },
        describe(sql: string): StatementShape {
          return db.describe(sql);
        },
        export(): Uint8Array {
          const bytes = db.export();
          clock.advance(bytes.length / 200_000);
          return bytes;
        },
        get inTransaction() {
          return db.inTransaction;
        },
        close(): void {
          db.close();
        },
      };
      return wrapped;
    },
  };
}
