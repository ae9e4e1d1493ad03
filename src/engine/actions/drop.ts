/** Dropping the old schema: a backup snapshot first, then the drop in one journaled transaction. */
import type { EngineParts } from '../parts.ts';
import { stateTable, versionTable } from '../records.ts';
import type { BoundStatement } from '../sql.ts';

/**
 * Takes the backup, then drops old's tables. The drop is the point of no return: once its
 * transaction is stored, old is gone whatever the control state says, and the next open agrees
 * with the database.
 */
export async function dropOld(parts: EngineParts): Promise<void> {
  const { files, store, control, versions, scenario, events } = parts;
  const oldFile = files.fileOf('old');
  await store.durable(oldFile);
  const name = `before-drop-${control.state.backups.length + 1}`;
  await store.writeBackup(name, files.dbOf(oldFile).export(), { phase: control.phase, versionHigh: versions.high });
  events.emit({ type: 'backup', name, action: 'taken' });
  const statements: BoundStatement[] = [...scenario.drop.map((sql) => ({ sql })), { sql: `DROP TABLE ${versionTable('old')}` }, { sql: `DROP TABLE ${stateTable('old')}` }];
  await files.commit(oldFile, statements).durable;
  await control.update({ phase: 'old-dropped', backups: [...control.state.backups, name], droppedAtVersion: versions.high });
}
