/**
 * The scenario editor's CodeMirror, loaded on demand (CodeMirror stays out of the first bundle):
 * the SQL console's editor, with `aria-invalid` on its editable area switched from outside.
 */
import { Compartment, StateEffect } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { mountSqlEditor, type SqlEditorHandle } from '../sql-console/sql-editor.ts';

/** A mounted statement editor. */
export interface SqlFieldEditor extends SqlEditorHandle {
  /** Marks the editable area invalid (`aria-invalid="true"`) or not. */
  setInvalid(invalid: boolean): void;
}

/** Mounts a SQL editor for one statement in `parent` (inside `root`). */
export function mountSqlField(options: { doc: string; root: ShadowRoot; parent: HTMLElement; label: string; describedBy: string; onChange: (doc: string) => void }): SqlFieldEditor {
  const handle = mountSqlEditor({ ...options, objects: null, onRun: () => undefined });
  const invalidAttr = new Compartment();
  const attrs = (invalid: boolean) => EditorView.contentAttributes.of(invalid ? { 'aria-invalid': 'true' } : {});
  handle.view.dispatch({ effects: StateEffect.appendConfig.of(invalidAttr.of(attrs(false))) });
  return {
    ...handle,
    setInvalid(invalid) {
      handle.view.dispatch({ effects: invalidAttr.reconfigure(attrs(invalid)) });
    },
  };
}
