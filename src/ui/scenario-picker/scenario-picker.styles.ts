/** Styles of `<cl-scenario-picker>`; the component lists `shared` (and any sheet of shared-styles.ts) before them. */
import { css } from 'lit';

/** The component's own rules. */
export const scenarioPickerStyles = css`
  :host {
    display: block;
  }
  .cards {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr));
    gap: var(--cl-gap);
  }
  article {
    background: var(--cl-surface);
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
    padding: 1rem;
    display: flex;
    flex-direction: column;
    gap: 0.5rem;
  }
  article p {
    margin: 0;
    flex: 1;
  }
  .facts {
    font-size: 0.85rem;
  }
  fieldset {
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
    margin: 0 0 var(--cl-gap);
  }
  label {
    display: block;
    margin: 0.2rem 0;
  }
  ul {
    padding-left: 1.2rem;
  }
  li {
    margin: 0.3rem 0;
  }
  .file {
    border: 2px dashed var(--cl-border);
    border-radius: var(--cl-radius);
    padding: 0.75rem 1rem;
    margin: 0 0 var(--cl-gap);
  }
  .file h3 {
    margin: 0 0 0.3rem;
  }
  .file > p {
    margin: 0 0 0.5rem;
  }
  .file.dragging {
    border-color: var(--cl-accent);
    background: var(--cl-surface-2);
  }
  .editing {
    margin: 0 0 var(--cl-gap);
  }
  .editing h3 {
    margin: 0 0 0.3rem;
  }
  .editing cl-scenario-editor {
    display: block;
  }
  .editor-status .ok {
    margin: 0 0 var(--cl-gap);
  }
  .drop-hint {
    margin-top: 0.5rem;
    font-weight: 600;
    color: var(--cl-accent);
  }
  .ok {
    color: var(--cl-ok);
    margin: 0.5rem 0 0;
  }
  .problems li,
  .warnings li {
    overflow-wrap: anywhere;
  }
  .warnings {
    font-size: 0.85rem;
    border-left: 4px solid var(--cl-warn);
    padding: 0.25rem 0.6rem;
  }
  .warnings ul {
    margin: 0.25rem 0 0;
  }
  article.user {
    border-color: var(--cl-accent);
  }
  .badge {
    align-self: flex-start;
    font-size: 0.75rem;
    font-weight: 600;
    text-transform: uppercase;
    letter-spacing: 0.04em;
    color: var(--cl-accent);
    border: 1px solid var(--cl-accent);
    border-radius: 999px;
    padding: 0.05rem 0.5rem;
  }
  code {
    font-family: var(--cl-mono);
  }
`;
