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
`;
