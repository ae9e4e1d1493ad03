/**
 * The CodeMirror 6 setup of the SQL console: SQLite highlighting and completion, a theme drawn
 * from the `--cl-*` tokens, and Mod-Enter to run. Kept apart from the component so the editor can
 * be configured (or swapped for `basicSetup`) without touching the component's rendering.
 */
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { highlightSelectionMatches, searchKeymap } from '@codemirror/search';
import { sql, SQLite, type SQLNamespace } from '@codemirror/lang-sql';
import { bracketMatching, HighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { Compartment, EditorState, Prec, type Extension } from '@codemirror/state';
import {
  drawSelection,
  dropCursor,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  placeholder,
} from '@codemirror/view';
import { tags } from '@lezer/highlight';
import type { SchemaObject } from '../../worker/protocol.ts';

/** Colours by syntax tag, as tokens, so light and dark follow the page. */
const highlightStyle = HighlightStyle.define([
  { tag: [tags.keyword, tags.operatorKeyword, tags.modifier], color: 'var(--cl-accent)', fontWeight: '600' },
  { tag: [tags.string, tags.special(tags.string)], color: 'var(--cl-ok)' },
  { tag: [tags.number, tags.bool, tags.null], color: 'var(--cl-warn)' },
  { tag: [tags.comment, tags.lineComment, tags.blockComment], color: 'var(--cl-muted)', fontStyle: 'italic' },
  { tag: [tags.typeName, tags.standard(tags.name)], color: 'var(--cl-new)' },
  { tag: [tags.special(tags.name), tags.quote], color: 'var(--cl-old)' },
  { tag: tags.invalid, color: 'var(--cl-bad)' },
]);

const theme = EditorView.theme({
  '&': {
    color: 'var(--cl-text)',
    backgroundColor: 'var(--cl-bg)',
    border: '1px solid var(--cl-border)',
    borderRadius: 'var(--cl-radius)',
    maxHeight: 'var(--cl-sql-console-editor-max-height, 18rem)',
  },
  '&.cm-focused': { outline: '3px solid var(--cl-focus)', outlineOffset: '2px' },
  '.cm-scroller': { fontFamily: 'var(--cl-mono)', overflow: 'auto', lineHeight: '1.5' },
  '.cm-content, .cm-gutter': { minHeight: 'var(--cl-sql-console-editor-min-height, 6rem)' },
  '.cm-content': { caretColor: 'var(--cl-text)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--cl-text)' },
  '.cm-gutters': {
    backgroundColor: 'var(--cl-surface)',
    color: 'var(--cl-muted)',
    borderRight: '1px solid var(--cl-border)',
    borderRadius: 'var(--cl-radius) 0 0 var(--cl-radius)',
  },
  '.cm-activeLine': { backgroundColor: 'color-mix(in srgb, var(--cl-accent) 7%, transparent)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--cl-surface-2)', color: 'var(--cl-text)' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection': {
    backgroundColor: 'color-mix(in srgb, var(--cl-accent) 28%, transparent)',
  },
  '.cm-matchingBracket': { backgroundColor: 'color-mix(in srgb, var(--cl-ok) 25%, transparent)' },
  '.cm-placeholder': { color: 'var(--cl-muted)' },
  '.cm-tooltip': {
    backgroundColor: 'var(--cl-surface)',
    color: 'var(--cl-text)',
    border: '1px solid var(--cl-border)',
    borderRadius: 'var(--cl-radius)',
  },
  '.cm-tooltip-autocomplete > ul': { fontFamily: 'var(--cl-mono)' },
  '.cm-tooltip-autocomplete > ul > li[aria-selected]': { backgroundColor: 'var(--cl-accent)', color: 'var(--cl-accent-text)' },
});

/** Completion namespace of one side: each table and view with its columns. */
export function completionSchema(objects: readonly SchemaObject[] | null | undefined): SQLNamespace {
  const namespace: Record<string, string[]> = {};
  for (const object of objects ?? []) {
    if (object.type === 'table' || object.type === 'view') namespace[object.name] = object.columns.map((c) => c.name);
  }
  return namespace;
}

/** SQLite language support, completing the names in `objects`. */
export function sqliteLanguage(objects: readonly SchemaObject[] | null | undefined): Extension {
  return sql({ dialect: SQLite, schema: completionSchema(objects), upperCaseKeywords: true });
}

/** What the console gives its editor. */
export interface SqlEditorOptions {
  readonly doc: string;
  /** The component's shadow root: CodeMirror reads the selection and mounts its styles there. */
  readonly root: ShadowRoot;
  readonly parent: Element;
  /** Accessible name of the editable area. */
  readonly label: string;
  /** Ids (in `root`) of text describing the editor, e.g. the keyboard hint. */
  readonly describedBy: string;
  /** Language support, inside `language` so it can be reconfigured when the schema changes. */
  readonly languageSupport: Extension;
  readonly language: Compartment;
  /** Mod-Enter. */
  readonly onRun: () => void;
  readonly onChange: (doc: string) => void;
}

/**
 * A SQL editor: SQLite highlighting, schema completion, undo history, search and the default
 * keymap. Tab is left unbound so keyboard users can leave the editor.
 */
export function createSqlEditor(options: SqlEditorOptions): EditorView {
  const extensions: Extension[] = [
    // Highest, so an open completion list's Enter never swallows Mod-Enter.
    Prec.highest(keymap.of([{ key: 'Mod-Enter', run: () => (options.onRun(), true), preventDefault: true }])),
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    drawSelection(),
    dropCursor(),
    EditorState.allowMultipleSelections.of(false),
    indentOnInput(),
    syntaxHighlighting(highlightStyle),
    bracketMatching(),
    closeBrackets(),
    autocompletion(),
    highlightActiveLine(),
    history(),
    highlightSelectionMatches(),
    keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...searchKeymap, ...completionKeymap]),
    EditorView.lineWrapping,
    placeholder('SELECT * FROM …'),
    EditorView.contentAttributes.of({ 'aria-label': options.label, 'aria-describedby': options.describedBy }),
    options.language.of(options.languageSupport),
    theme,
    // Typing over a selection lets Chromium's own contenteditable editing replace it, and to keep
    // the highlighted text's look it inserts spans with inline style attributes, which the page's
    // Content-Security-Policy refuses. Replace the selection through the editor instead.
    EditorView.domEventHandlers({
      beforeinput(event, view) {
        const replacing = event.inputType === 'insertText' || event.inputType === 'insertReplacementText';
        if (!replacing || view.state.selection.main.empty || view.composing) return false;
        const text = event.data ?? event.dataTransfer?.getData('text/plain') ?? '';
        event.preventDefault();
        view.dispatch(view.state.replaceSelection(text), { userEvent: 'input.type', scrollIntoView: true });
        return true;
      },
    }),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) options.onChange(update.state.doc.toString());
    }),
  ];
  return new EditorView({ doc: options.doc, extensions, parent: options.parent, root: options.root });
}

const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `name` as it can be typed in SQL: double-quoted unless it is a plain identifier. */
export function sqlIdentifier(name: string): string {
  return PLAIN_IDENTIFIER.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** What the console needs of a mounted editor (the console imports this module on demand). */
export interface SqlEditorHandle {
  readonly view: EditorView;
  /** Replaces the text, the cursor at its end. */
  setDoc(doc: string): void;
  /** Completes the names in `objects` from now on. */
  setSchema(objects: readonly SchemaObject[] | null | undefined): void;
  /** Types `name` (quoted when it must be) at the cursor and focuses the editor. */
  insertName(name: string): void;
  focus(): void;
  destroy(): void;
}

/** `createSqlEditor` with its own language compartment, for a component that loads this module lazily. */
export function mountSqlEditor(options: Omit<SqlEditorOptions, 'language' | 'languageSupport'> & { readonly objects: readonly SchemaObject[] | null | undefined }): SqlEditorHandle {
  const language = new Compartment();
  const view = createSqlEditor({ ...options, language, languageSupport: sqliteLanguage(options.objects) });
  return {
    view,
    setDoc(doc) {
      if (view.state.doc.toString() !== doc) view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: doc }, selection: { anchor: doc.length } });
    },
    setSchema(objects) {
      view.dispatch({ effects: language.reconfigure(sqliteLanguage(objects)) });
    },
    insertName(name) {
      view.dispatch(view.state.replaceSelection(sqlIdentifier(name)), { scrollIntoView: true });
      view.focus();
    },
    focus: () => view.focus(),
    destroy: () => view.destroy(),
  };
}
