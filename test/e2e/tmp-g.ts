import { runCrashTrial } from './crash-harness.ts';
const r = await runCrashTrial({ mode: (process.argv[3] ?? 'group') as any, crashes: Number(process.argv[4] ?? 6), seed: Number(process.argv[2] ?? 1), log: (l) => console.log(l) });
console.log(r.acknowledged, r.lost.length, r.recoveryProblems);
