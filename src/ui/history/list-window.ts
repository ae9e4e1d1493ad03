/** The history list's arithmetic in rows: which rows to render for a scroll position, and where a key moves the selection. */
import { ROW_HEIGHT } from './history.styles.ts';

/** Rows rendered beyond each edge of the view, so fast scrolling does not show blank space. */
const OVERSCAN = 8;

/** Rows ever rendered at once, whatever the height of the list. */
const MAX_RENDERED_ROWS = 160;

/** Display rows to render, [first, end), for a list scrolled to `scrollTop` in a view `viewport` pixels high. */
export function windowRange(scrollTop: number, viewport: number, size: number): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const visible = Math.ceil(viewport / ROW_HEIGHT) + 1;
  const end = Math.min(size, first + Math.min(MAX_RENDERED_ROWS, visible + 2 * OVERSCAN));
  return [first, end];
}

/**
 * The row a navigation key selects, from row `current` (-1: none selected) in a list of `size`
 * rows of which `page` fit in the view; null for a key that does not move the selection.
 */
export function rowAfterKey(key: string, current: number, size: number, page: number): number | null {
  let next: number;
  switch (key) {
    case 'ArrowDown':
      next = current < 0 ? 0 : current + 1;
      break;
    case 'ArrowUp':
      next = current < 0 ? 0 : current - 1;
      break;
    case 'PageDown':
      next = current < 0 ? 0 : current + page;
      break;
    case 'PageUp':
      next = current < 0 ? 0 : current - page;
      break;
    case 'Home':
      next = 0;
      break;
    case 'End':
      next = size - 1;
      break;
    default:
      return null;
  }
  return Math.min(size - 1, Math.max(0, next));
}
