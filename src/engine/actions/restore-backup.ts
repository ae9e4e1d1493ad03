/** Restoring the backup taken before the drop: the only way back from `old-dropped`. */
import { RecoveryError, StorageError } from '../durability/types.ts';
import type { EngineParts } from '../parts.ts';
import { engineTablesDdl } from '../records.ts';
import type { PhaseMove } from '../results.ts';
import type { BoundStatement } from '../sql.ts';

/** Restores old from the newest backup (or the one named); the phase becomes `new-only`. A refusal is data. */
export async function restoreBackup(parts: EngineParts, name?: string): Promise<PhaseMove> {
  try {
    return await parts.lifecycle.exclusive(() => restoreInside(parts, name));
  } catch (e) {
    if (!(e instanceof StorageError || e instanceof RecoveryError)) throw e;
    await parts.lifecycle.reloadBrokenFiles();
    const phase = parts.control.phase;
    return Object.freeze({ ok: false, from: phase, to: phase, reasons: [`the backup was not restored: ${e.message}`], hazards: [] });
  }
}

async function restoreInside(parts: EngineParts, name: string | undefined): Promise<PhaseMove> {
  const { control, store, files, scenario, sql, events } = parts;
  const from = control.phase;
  if (from !== 'old-dropped') return Object.freeze({ ok: false, from, to: from, reasons: ['restore applies only after the old schema was dropped'], hazards: [] });
  const backupName = name ?? control.state.backups[control.state.backups.length - 1];
  if (!backupName) return Object.freeze({ ok: false, from, to: from, reasons: ['no backup was taken'], hazards: [] });
  const backup = await store.readBackup(backupName);
  if (scenario.topology === 'split') {
    await files.replace('old', sql.open(backup.bytes));
  } else {
    await files.commit('main', restoreOldStatements(parts, backup.bytes)).durable;
  }
  // As with the drop, the databases decide: old exists again, so the phase is new-only.
  await control.update({ phase: 'new-only', divergenceEvents: control.state.divergenceEvents + 1 });
  events.emit({ type: 'backup', name: backupName, action: 'restored' });
  events.emit({ type: 'phase', from, to: 'new-only', how: 'restore', forced: false });
  return Object.freeze({ ok: true, from, to: 'new-only', reasons: [], hazards: [] });
}

/** Statements recreating old's objects and rows from a backup of the shared database. */
function restoreOldStatements(parts: EngineParts, bytes: Uint8Array): BoundStatement[] {
  const { sql, scenario } = parts;
  // Which objects are old's: those the old DDL creates, plus the engine's old tables.
  const scratch = sql.open();
  let oldNames: Set<string>;
  try {
    for (const ddl of [...scenario.schema.old, ...engineTablesDdl('old')]) scratch.exec(ddl);
    oldNames = new Set(scratch.query(`SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'`).map((r) => String(r.name)));
  } finally {
    scratch.close();
  }
  const backup = sql.open(bytes);
  try {
    const objects = backup.query(`SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, rowid`);
    const statements: BoundStatement[] = [];
    for (const o of objects) {
      if (!oldNames.has(String(o.name))) continue;
      statements.push({ sql: String(o.sql) });
      if (o.type !== 'table') continue;
      for (const row of backup.query(`SELECT * FROM "${String(o.name)}"`)) {
        const cols = Object.keys(row);
        statements.push({
          sql: `INSERT INTO "${String(o.name)}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((_, i) => `:c${i}`).join(', ')})`,
          params: Object.fromEntries(cols.map((c, i) => [`c${i}`, row[c] ?? null])),
        });
      }
    }
    return statements;
  } finally {
    backup.close();
  }
}
