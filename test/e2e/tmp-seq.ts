import { runCrashTrial } from './crash-harness.ts';
for (const mode of ['strict', 'group'] as const) {
  const r = await runCrashTrial({ mode, crashes: 20, log: (l) => console.log(`${mode}: ${l}`) });
  console.log(mode, r.acknowledged, r.lost.length, JSON.stringify(r.recoveryProblems).slice(0, 500));
}
