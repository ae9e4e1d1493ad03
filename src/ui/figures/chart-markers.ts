/**
 * Marks on the charts' time axis: what happened to the rehearsal (a phase move, a fault, a crash,
 * a plan step), so a reviewer sees why a line moved. This module is the model (which marks fall in
 * the window, where, and how each reads as text) and the canvas drawing uPlot calls; the figures
 * element keeps the list and the highlight.
 */
import type uPlot from 'uplot';
import type { WindowData } from './chart-window.ts';

/** What a mark stands for; its colour and glyph follow. */
export type ChartMarkerKind = 'phase' | 'rollback' | 'fault' | 'crash' | 'copy' | 'verify' | 'plan-step';

/** Every kind, in the order a legend would list them. */
export const CHART_MARKER_KINDS: readonly ChartMarkerKind[] = ['phase', 'rollback', 'fault', 'crash', 'copy', 'verify', 'plan-step'];

/** One mark on the charts' time axis. */
export interface ChartMarker {
  /** When it happened (ms since the epoch: the clock of the metrics' series). */
  readonly at: number;
  readonly kind: ChartMarkerKind;
  /** What happened, as plain text ("dual-write → shadow"); never markup. */
  readonly label: string;
  /** Something went wrong (a verify that found differences): drawn in the alarm colour. */
  readonly alert?: boolean;
  /** Names the mark when its label may change (a run of faults counting up); default: time, kind and label. */
  readonly id?: string;
}

/** The letter drawn on a mark's tag, so that kinds differ by more than colour. */
export const MARKER_GLYPHS: Readonly<Record<ChartMarkerKind, string>> = { phase: 'P', rollback: 'R', fault: 'F', crash: 'X', copy: 'C', verify: 'V', 'plan-step': 'S' };

/** How a kind is read out before its label ("phase dual-write → shadow"). */
export const MARKER_NOUNS: Readonly<Record<ChartMarkerKind, string>> = { phase: 'phase', rollback: 'rollback', fault: 'fault', crash: 'crash', copy: 'copy', verify: 'verify', 'plan-step': 'plan step' };

/** The colours marks are drawn in (a subset of the figures' palette). */
export interface MarkerColours {
  readonly accent: string;
  readonly ok: string;
  readonly warn: string;
  readonly bad: string;
  readonly old: string;
  readonly new: string;
  readonly text: string;
  readonly bg: string;
}

/** A mark's colour: by kind, or the alarm colour when it says something went wrong. */
export function markerColour(marker: ChartMarker, colours: MarkerColours): string {
  if (marker.alert) return colours.bad;
  switch (marker.kind) {
    case 'phase':
      return colours.accent;
    case 'rollback':
      return colours.old;
    case 'fault':
      return colours.warn;
    case 'crash':
      return colours.bad;
    case 'copy':
      return colours.new;
    case 'verify':
      return colours.ok;
    case 'plan-step':
      return colours.text;
    default:
      throw new Error(`unknown marker kind '${marker.kind as string}'`);
  }
}

/** The span of the charts' x axis, in seconds relative to `origin`. */
export interface MarkerWindow {
  /** The time of x = 0 (ms since the epoch): the newest second of the series. */
  readonly origin: number;
  readonly min: number;
  readonly max: number;
}

/** A mark in the window, with its place on the x axis. */
export interface PlacedMarker {
  /** Its position in the list the figures were given. */
  readonly index: number;
  /** Names it across new lists of the same marks (the highlight follows it). */
  readonly key: string;
  /** Seconds relative to the window's origin. */
  readonly x: number;
  readonly marker: ChartMarker;
}

/**
 * The charts' x range: the series' window, stretched to hold marks just before it or after its
 * newest second, never wider than `windowSeconds` (the newest wins). Without a series the marks
 * alone make the window. Null when there is nothing to show.
 */
export function markerWindow(data: WindowData, windowSeconds: number, markers: readonly ChartMarker[]): MarkerWindow | null {
  const seconds = Math.max(1, Math.floor(windowSeconds));
  const newestMark = markers.reduce((max, m) => (Number.isFinite(m.at) && m.at > max ? m.at : max), -Infinity);
  const origin = data.last?.t ?? (Number.isFinite(newestMark) ? newestMark : null);
  if (origin === null) return null;
  const dataMin = data.x[0] ?? 0;
  const max = Math.max(0, Number.isFinite(newestMark) ? (newestMark - origin) / 1000 : 0);
  // A mark inside the newest second (x < 1) does not push the window's start.
  const floor = (max < 1 ? 0 : max) - (seconds - 1);
  let earliest = dataMin;
  for (const m of markers) {
    const x = (m.at - origin) / 1000;
    if (x >= floor && x < earliest) earliest = x;
  }
  const min = Math.max(floor, Math.min(dataMin, earliest));
  // uPlot needs a range with some width.
  return { origin, min: min < max ? min : max - 1, max };
}

/** A mark's identity: its id, or its time, kind and text. */
export const markerKey = (marker: ChartMarker): string => marker.id ?? `${marker.at}|${marker.kind}|${marker.label}`;

/** The marks inside the window, oldest first. */
export function visibleMarkers(markers: readonly ChartMarker[], window: MarkerWindow | null): PlacedMarker[] {
  if (!window) return [];
  const placed: PlacedMarker[] = [];
  markers.forEach((marker, index) => {
    const x = (marker.at - window.origin) / 1000;
    if (x >= window.min && x <= window.max) placed.push({ index, key: markerKey(marker), x, marker });
  });
  return placed.sort((a, b) => a.x - b.x || a.index - b.index);
}

const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

/** The local time of day, "12:03:04". */
export const formatClock = (at: number): string => clock.format(at);

/** A mark as a sentence without its time: "phase dual-write → shadow". */
export const markerDescription = (marker: ChartMarker): string => `${MARKER_NOUNS[marker.kind]} ${marker.label}`;

/** A mark as text: "12:03:04 phase dual-write → shadow". */
export const markerText = (marker: ChartMarker): string => `${formatClock(marker.at)} ${markerDescription(marker)}`;

/** Width of a mark's tag in CSS pixels; tags closer than this go on the next row. */
const TAG = 13;
/** Rows of tags before they overlap. */
const TAG_ROWS = 3;
/** How close (CSS pixels) the pointer must come to a mark to highlight it. */
export const HOVER_PX = 6;

/** The key of the mark nearest `left` (CSS pixels in the plot area) within `HOVER_PX`, or null. */
export function markerNear(u: Pick<uPlot, 'valToPos'>, placed: readonly PlacedMarker[], left: number): string | null {
  let best: string | null = null;
  let distance = HOVER_PX + 0.5;
  for (const p of placed) {
    const d = Math.abs(u.valToPos(p.x, 'x') - left);
    if (d < distance) {
      distance = d;
      best = p.key;
    }
  }
  return best;
}

/**
 * Draws the marks on a chart's canvas (uPlot's `draw` hook): a thin vertical line each, a lettered
 * tag at the top (stacked when tags would touch) and, for the highlighted mark, its text.
 */
export function drawMarkers(u: uPlot, placed: readonly PlacedMarker[], highlight: string | null, colours: MarkerColours, pxRatio: number): void {
  if (placed.length === 0) return;
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  const tag = TAG * pxRatio;
  const rowEnds: number[] = [];
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  ctx.font = `600 ${Math.round(9 * pxRatio)}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  let highlighted: { cx: number; colour: string; marker: ChartMarker } | null = null;
  for (const p of placed) {
    const cx = Math.round(u.valToPos(p.x, 'x', true)) + 0.5;
    const colour = markerColour(p.marker, colours);
    let row = rowEnds.findIndex((end) => end <= cx - tag / 2);
    if (row === -1) row = rowEnds.length < TAG_ROWS ? rowEnds.length : (rowEnds.indexOf(Math.min(...rowEnds)));
    rowEnds[row] = cx + tag / 2 + pxRatio;
    const isHighlighted = p.key === highlight;
    ctx.strokeStyle = colour;
    ctx.globalAlpha = isHighlighted ? 1 : 0.75;
    ctx.lineWidth = (isHighlighted ? 2 : 1) * pxRatio;
    ctx.setLineDash(p.marker.kind === 'fault' ? [3 * pxRatio, 2 * pxRatio] : []);
    ctx.beginPath();
    ctx.moveTo(cx, top + row * tag);
    ctx.lineTo(cx, top + height);
    ctx.stroke();
    ctx.globalAlpha = 1;
    // A tag at the plot's edge stays whole, beside its line.
    const tagX = Math.min(Math.max(cx - tag / 2, left), left + width - tag);
    ctx.fillStyle = colour;
    ctx.fillRect(tagX, top + row * tag, tag, tag - pxRatio);
    ctx.fillStyle = colours.bg;
    ctx.fillText(MARKER_GLYPHS[p.marker.kind], tagX + tag / 2, top + row * tag + (tag - pxRatio) / 2 + 0.5 * pxRatio);
    if (isHighlighted) highlighted = { cx, colour, marker: p.marker };
  }
  ctx.setLineDash([]);
  // Below every row of tags, so that it hides none.
  if (highlighted) drawLabel(ctx, highlighted, u.bbox, top + rowEnds.length * tag, colours, pxRatio);
  ctx.restore();
}

/** The highlighted mark's text in a box beside its tag, kept inside the plot. */
function drawLabel(ctx: CanvasRenderingContext2D, h: { cx: number; colour: string; marker: ChartMarker }, bbox: uPlot.BBox, y: number, colours: MarkerColours, pxRatio: number): void {
  ctx.font = `${Math.round(11 * pxRatio)}px system-ui, sans-serif`;
  ctx.textAlign = 'left';
  let text = markerText(h.marker);
  const pad = 4 * pxRatio;
  const room = bbox.width - 2 * pad;
  while (text.length > 1 && ctx.measureText(text).width > room) text = `${text.slice(0, -2)}…`;
  const w = ctx.measureText(text).width + 2 * pad;
  const tag = TAG * pxRatio;
  const boxH = 16 * pxRatio;
  // Right of the line when it fits, else left of it, else against the plot's left edge.
  let x = h.cx + tag / 2;
  if (x + w > bbox.left + bbox.width) x = Math.max(bbox.left, h.cx - tag / 2 - w);
  ctx.fillStyle = colours.bg;
  ctx.globalAlpha = 0.92;
  ctx.fillRect(x, y, w, boxH);
  ctx.globalAlpha = 1;
  ctx.strokeStyle = h.colour;
  ctx.lineWidth = pxRatio;
  ctx.strokeRect(x + pxRatio / 2, y + pxRatio / 2, w - pxRatio, boxH - pxRatio);
  ctx.fillStyle = colours.text;
  ctx.textBaseline = 'middle';
  ctx.fillText(text, x + pad, y + boxH / 2);
}
