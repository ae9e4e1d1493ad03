/** Styles of `<cl-app>`; the component lists `shared` (and any sheet of shared-styles.ts) before them. */
import { css } from 'lit';

/** The component's own rules. */
export const appStyles = css`
  :host {
    display: block;
    background: var(--cl-bg);
    min-height: 100vh;
  }
  header {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5rem 1rem;
    padding: 0.5rem 1rem;
    border-bottom: 1px solid var(--cl-border);
    background: var(--cl-surface);
  }
  @media (min-width: 1100px) {
    /* Sticky only where there is room for it: on a phone it would hide a third of the screen. */
    header {
      position: sticky;
      top: 0;
      z-index: 2;
      flex-wrap: nowrap;
    }
    header .title > div {
      white-space: nowrap;
      overflow: hidden;
      text-overflow: ellipsis;
    }
    /* The scenario's title may take two lines (the badge beside it is taller anyway), then ends in an ellipsis; the whole of it is the element's title. */
    header .title > div:first-child:not(.muted) {
      white-space: normal;
      overflow-wrap: anywhere;
      display: -webkit-box;
      -webkit-box-orient: vertical;
      -webkit-line-clamp: 2;
      line-clamp: 2;
    }
  }
  /* The header's buttons keep their labels on one line ("Copy share link" wrapped in two when the header was crowded); the title gives way instead. */
  header > button,
  header > cl-export-menu {
    flex: none;
  }
  /* Not on the Export menu: white-space is inherited into it, and its list's note must wrap (its toggle keeps to one line by itself). */
  header > button {
    white-space: nowrap;
  }
  header h1 {
    font-size: 1.1rem;
    margin: 0;
    white-space: nowrap;
  }
  header .title {
    flex: 1 1 22rem;
    min-width: 0;
  }
  header cl-invariant-badge {
    flex: 0 1 auto;
    min-width: 0;
  }
  .badge-line {
    font-size: 0.85rem;
  }
  .readonly {
    background: var(--cl-warn);
    color: var(--cl-bg);
    padding: 0.4rem 1rem;
  }
  /* The rehearsal's panels (the picker and the loading message are main landmarks of their own). */
  main.panels {
    display: grid;
    gap: var(--cl-gap);
    padding: var(--cl-gap);
    grid-template-columns: minmax(0, 1fr);
  }
  .column {
    display: flex;
    flex-direction: column;
    gap: var(--cl-gap);
    min-width: 0;
  }
  @media (min-width: 1100px) {
    /* Two independent columns: controls on the left, what they do to the data on the right. */
    main.panels {
      grid-template-columns: minmax(22rem, 2fr) minmax(0, 3fr);
    }
    #console {
      grid-column: 1 / -1;
    }
  }
  section {
    background: var(--cl-surface);
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
    padding: 0.75rem;
    min-width: 0;
  }
  section > h2 {
    font-size: 1rem;
  }
  .notices {
    position: fixed;
    right: 1rem;
    bottom: 1rem;
    display: flex;
    flex-direction: column;
    gap: 0.4rem;
    max-width: min(30rem, calc(100vw - 2rem));
    z-index: 3;
  }
  .notice {
    display: flex;
    gap: 0.5rem;
    align-items: start;
    background: var(--cl-surface-2);
    border: 1px solid var(--cl-border);
    border-left: 4px solid var(--cl-accent);
    border-radius: var(--cl-radius);
    padding: 0.5rem 0.6rem;
  }
  .notice.warning {
    border-left-color: var(--cl-warn);
  }
  .notice.error {
    border-left-color: var(--cl-bad);
  }
  .notice p {
    margin: 0;
    flex: 1;
    overflow-wrap: anywhere;
  }
  .picker {
    padding: 1rem;
    max-width: 80rem;
    margin: 0 auto;
  }
  .loading {
    padding: 2rem;
  }
  /* The starting records' progress, under its message and as wide as the text column. */
  .loading + progress {
    display: block;
    margin: -1rem 2rem 2rem;
    width: calc(100% - 4rem);
    max-width: 32rem;
    accent-color: var(--cl-accent);
  }
`;
