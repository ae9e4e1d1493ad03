/** How the actions panel words a copy pass (rate, time left, status), which commands apply to it, and an unclean verify. */
import { assertNever, type CopyProgress, type VerifySummary } from '../../engine/vocabulary.ts';

/** A command of a copy pass's buttons (the batch size is set apart). */
export type CopyCommand = 'start' | 'pause' | 'resume' | 'cancel';

/** "12.5 records/s", or a dash before two batches have run. */
export function formatRate(rate: number | null): string {
  return rate === null ? '—' : `${rate} records/s`;
}

/** "about 45 s", "about 3 min 20 s", "about 2 h", or a dash when unknown. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `about ${s} s`;
  if (s < 3600) return `about ${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const minutes = Math.floor((s % 3600) / 60);
  return `about ${Math.floor(s / 3600)} h${minutes ? ` ${minutes} min` : ''}`;
}

/** A pass's status for people. */
export function statusText(p: CopyProgress): string {
  switch (p.status) {
    case 'idle':
      return 'Not started';
    case 'running':
      return `Pass ${p.pass} running`;
    case 'paused':
      return `Pass ${p.pass} paused`;
    case 'done':
      return `Pass ${p.pass} done`;
    case 'cancelled':
      return `Pass ${p.pass} cancelled`;
    default:
      return assertNever(p.status, 'copy status');
  }
}

/** Whether `command` applies to a pass in `status`. */
export function commandApplies(command: CopyCommand, status: CopyProgress['status']): boolean {
  switch (command) {
    case 'start':
      return status === 'idle' || status === 'done' || status === 'cancelled';
    case 'pause':
      return status === 'running';
    case 'resume':
      return status === 'paused';
    case 'cancel':
      return status === 'running' || status === 'paused';
    default:
      return assertNever(command, 'copy command');
  }
}

/** What an unclean verify found: canonical differences, records the application reads differently, or duplicate keys. */
export function dirtyText(v: VerifySummary): string {
  const app = v.appReadMismatches ?? 0;
  const parts: string[] = [];
  if (v.diverged > 0) parts.push(`${v.diverged} ${v.diverged === 1 ? 'record differs' : 'records differ'}`);
  if (app > 0) parts.push(`${app} ${app === 1 ? 'record reads' : 'records read'} differently through the application${v.diverged === 0 ? ' (the canonical queries agree)' : ''}`);
  if (parts.length === 0) return 'A canonical query returned a key more than once.';
  return `${parts.join('; ')}.`;
}
