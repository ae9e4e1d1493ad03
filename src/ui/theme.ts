/**
 * Design tokens as CSS custom properties (`--cl-*`), light and dark from `prefers-color-scheme`.
 * Components use only these tokens, so a page can restyle them; `shared` holds the few rules
 * every component needs (focus rings, buttons, visually hidden text).
 */
import { css } from 'lit';

/** Tokens, for the document (adopted by the app at its root). */
export const tokens = css`
  :host,
  :root {
    color-scheme: light dark;
    --cl-font: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
    --cl-mono: ui-monospace, 'SF Mono', Menlo, Consolas, monospace;
    --cl-bg: #ffffff;
    --cl-surface: #f6f7f9;
    --cl-surface-2: #eceff3;
    --cl-text: #1b1f24;
    --cl-muted: #5b6572;
    --cl-border: #d4d9e0;
    --cl-accent: #1f5fbf;
    --cl-accent-text: #ffffff;
    /* Text colours keep 4.5:1 (WCAG AA) on bg, surface and surface-2 alike: the side labels and
       status words sit on all three, and axe checks them in the end-to-end suite. */
    --cl-ok: #197b35;
    --cl-warn: #916100;
    --cl-bad: #c62828;
    --cl-old: #7d4dd6;
    --cl-new: #097497;
    --cl-focus: #f59e0b;
    --cl-radius: 6px;
    --cl-gap: 0.75rem;
  }
  @media (prefers-color-scheme: dark) {
    :host,
    :root {
      --cl-bg: #0f1217;
      --cl-surface: #171b22;
      --cl-surface-2: #202632;
      --cl-text: #e6e9ee;
      --cl-muted: #9aa4b2;
      --cl-border: #2f3745;
      --cl-accent: #5b9bff;
      --cl-accent-text: #0b1220;
      --cl-ok: #4ac26b;
      --cl-warn: #d4a72c;
      --cl-bad: #ff6b6b;
      --cl-old: #b392f0;
      --cl-new: #39c5e6;
      --cl-focus: #fbbf24;
    }
  }
`;

/** Rules every component shares. */
export const shared = css`
  :host {
    font-family: var(--cl-font);
    color: var(--cl-text);
  }
  :focus-visible {
    outline: 3px solid var(--cl-focus);
    outline-offset: 2px;
  }
  button {
    font: inherit;
    color: var(--cl-text);
    background: var(--cl-surface-2);
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
    padding: 0.35rem 0.7rem;
    cursor: pointer;
    min-height: 2rem;
  }
  button.primary {
    background: var(--cl-accent);
    color: var(--cl-accent-text);
    border-color: var(--cl-accent);
  }
  button.danger {
    color: var(--cl-bad);
    border-color: var(--cl-bad);
  }
  button:disabled {
    opacity: 0.55;
    cursor: not-allowed;
  }
  input,
  select,
  textarea {
    font: inherit;
    color: var(--cl-text);
    background: var(--cl-bg);
    border: 1px solid var(--cl-border);
    border-radius: var(--cl-radius);
    padding: 0.25rem 0.4rem;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  .muted {
    color: var(--cl-muted);
  }
  h2,
  h3 {
    margin: 0 0 0.5rem;
    font-size: 1rem;
  }
`;
