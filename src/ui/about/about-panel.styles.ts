/** Styles of `<cl-about>`; the component lists `shared` and `dialogStyles` before them. */
import { css } from 'lit';

/** The component's own rules. */
export const aboutStyles = css`
  dialog {
    width: min(42rem, 92vw);
    max-height: 90vh;
    box-sizing: border-box;
  }
  /* The page behind recedes: the dialog's text sits on the same background as the page's. */
  dialog::backdrop {
    background: rgb(0 0 0 / 0.4);
  }
  h2 {
    margin-top: 0;
  }
  dd button {
    margin-top: 0.4rem;
  }
  dl {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 0.5rem 1rem;
    margin: 0 0 1rem;
  }
  dt {
    font-weight: 600;
  }
  dd {
    margin: 0;
    min-width: 0;
    overflow-wrap: anywhere;
  }
  dd p {
    margin: 0.25rem 0 0;
  }
  code {
    font-family: var(--cl-mono);
  }
  summary {
    cursor: pointer;
  }
  /* Two columns where the longest option (about 30 characters) fits whole, else one. */
  ul.options {
    font-family: var(--cl-mono);
    font-size: 0.8rem;
    columns: 2 15rem;
    column-gap: 1.5rem;
    list-style: none;
    margin: 0.4rem 0 0;
    padding: 0;
  }
  ul.options li {
    break-inside: avoid;
  }
  .answer {
    margin-top: 0.4rem;
  }
  .granted {
    color: var(--cl-ok);
  }
  .refused {
    color: var(--cl-warn);
  }
  .error {
    color: var(--cl-bad);
  }
  @media (max-width: 30rem) {
    dl {
      grid-template-columns: 1fr;
      gap: 0.15rem;
    }
    dd {
      margin-bottom: 0.5rem;
    }
  }
`;
