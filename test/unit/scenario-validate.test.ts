import { beforeAll, describe, expect, it } from 'vitest';
import { formatProblems, parseScenario, validateScenario, type Problem } from '../../src/engine/scenario/validate.ts';
import type { SqlEngine } from '../../src/engine/sql.ts';
import { BUILT_IN_SCENARIOS } from '../../src/scenarios/index.ts';
import { nodeSql } from '../support/node.ts';
import { mutated, rejection, type Json } from '../support/scenario-mutations.ts';

let sql: SqlEngine;
beforeAll(async () => {
  sql = await nodeSql();
});


/** A deep copy of a built-in scenario, changed by `mutate`. */
const broken = (id: string, mutate: (s: Json) => void): Json => mutated(BUILT_IN_SCENARIOS[id], mutate);
const problemsOf = (value: unknown): Problem[] => rejection(value, sql);

const at = (path: string) => (p: Problem) => p.path === path;
const ops = (s: Json) => s.operations as Record<string, Json>;
const colls = (s: Json) => s.collections as Record<string, Json>;

describe('the built-in scenarios', () => {
  it.each(Object.keys(BUILT_IN_SCENARIOS))('%s passes validation, every statement prepared against its schemas', (id) => {
    const v = validateScenario(BUILT_IN_SCENARIOS[id], sql);
    if (!v.ok) throw new Error(formatProblems(v.problems));
    expect(v.scenario.id).toBe(id);
  });
});

describe('a broken scenario is rejected with the path of each problem', () => {
  it('names a statement on a table that does not exist', () => {
    const s = broken('consensus-artifacts', (x) => {
      const store = ops(x).storeArtifact as Json;
      (store.new as string[])[1] = (store.new as string[])[1]!.replace('INSERT INTO agent_outputs', 'INSERT INTO agent_output');
    });
    expect(problemsOf(s)).toContainEqual({ path: 'operations.storeArtifact.new[1]', message: 'no such table: agent_output — did you mean "agent_outputs"?' });
  });

  it('reports a syntax error in the schema with its position', () => {
    const s = broken('job-keys', (x) => {
      (x.schema as Json).old = ['CREAT TABLE kv (key TEXT PRIMARY KEY)'];
    });
    const p = problemsOf(s).find(at('schema.old[0]'));
    expect(p?.message).toMatch(/syntax error/);
  });

  it('refuses a format version newer than this build reads', () => {
    const p = problemsOf(broken('job-keys', (x) => (x.version = 2))).find(at('version'));
    expect(p?.message).toMatch(/newer than this build reads \(1\)/);
  });

  it('rejects an unknown key and suggests the one meant', () => {
    const s = broken('job-keys', (x) => {
      x.colections = x.collections;
    });
    expect(problemsOf(s).find(at('colections'))?.message).toBe('unknown key "colections" (did you mean "collections"?)');
  });

  it('rejects __proto__ anywhere in the document', () => {
    const text = JSON.stringify(BUILT_IN_SCENARIOS['job-keys']).replace('"workload":{', '"workload":{"__proto__":{"polluted":true},');
    const v = parseScenario(text, sql);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.problems.find(at('workload.__proto__'))?.message).toBe('the key "__proto__" is not allowed');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses the atomic policy across two databases', () => {
    const p = problemsOf(broken('job-keys', (x) => (x.policy = 'atomic'))).find(at('policy'));
    expect(p?.message).toMatch(/"atomic" needs topology "shared"/);
  });

  it('finds a read that does not return every column of its collection', () => {
    const s = broken('job-keys', (x) => {
      const get = ops(x).getJob as Json;
      get.new = (get.new as string).replace("json_extract(value, '$.status') AS status, ", '');
    });
    expect(problemsOf(s).find(at('operations.getJob.new'))?.message).toMatch(/returns no column "status"/);
  });

  it('finds a parameter the operation does not declare', () => {
    const s = broken('job-keys', (x) => {
      const upd = ops(x).updateStatus as Json;
      (upd.old as string[])[0] = `${(upd.old as string[])[0]!} AND :tenant IS NOT NULL`;
    });
    expect(problemsOf(s).find(at('operations.updateStatus.old[0]'))?.message).toMatch(/uses :tenant, which is not one of/);
  });

  it('refuses positional parameters', () => {
    const s = broken('job-keys', (x) => {
      (ops(x).getJob as Json).old = 'SELECT * FROM kv WHERE key = ?';
    });
    expect(problemsOf(s).some((p) => p.path === 'operations.getJob.old' && /use named parameters/.test(p.message))).toBe(true);
  });

  it('finds an effect on a collection that does not exist', () => {
    const s = broken('job-keys', (x) => {
      ((ops(x).enqueue as Json).effect as Json).collection = 'job';
    });
    expect(problemsOf(s).find(at('operations.enqueue.effect.collection'))?.message).toBe('no collection named "job": did you mean "jobs"?');
  });

  it('refuses a key column that can be NULL (a nullable parameter, a null value or a null ifNull)', () => {
    const nullableParam = broken('job-keys', (x) => {
      const enqueue = ops(x).enqueue as Json;
      (enqueue.params as Json).job_id = { nullable: 0.1, of: { template: 'job-{seq}' } };
    });
    expect(problemsOf(nullableParam).find(at('operations.enqueue.effect.key.job_id'))?.message).toMatch(/cannot be NULL, but parameter "job_id" is nullable/);
    const nullValue = broken('job-keys', (x) => {
      (((ops(x).enqueue as Json).effect as Json).key as Json).job_id = { param: 'job_id', ifNull: null };
    });
    expect(problemsOf(nullValue).find(at('operations.enqueue.effect.key.job_id'))?.message).toMatch(/cannot be NULL, but its ifNull is null/);
  });

  it('finds an effect that leaves a key column unset', () => {
    const s = broken('consensus-artifacts', (x) => {
      delete (((ops(x).storeArtifact as Json).effect as Json).key as Json).agent_name;
    });
    expect(problemsOf(s).find(at('operations.storeArtifact.effect.key'))?.message).toBe('key column "agent_name" of "artifacts" is not set');
  });

  it('finds an insert that does not set every field', () => {
    const s = broken('job-keys', (x) => {
      delete (((ops(x).enqueue as Json).effect as Json).set as Json).kind;
    });
    expect(problemsOf(s).find(at('operations.enqueue.effect.set'))?.message).toBe('"insert" must set every field; "kind" is missing');
  });

  it('finds a workload mix naming an operation that does not exist', () => {
    const s = broken('job-keys', (x) => {
      ((x.workload as Json).mix as Json).getJobs = 10;
    });
    expect(problemsOf(s).find(at('workload.mix.getJobs'))?.message).toBe('no operation named "getJobs": did you mean "getJob"?');
  });

  it('refuses seed data from a read', () => {
    const s = broken('job-keys', (x) => {
      x.seedData = [{ operation: 'getJob', count: 3 }];
    });
    expect(problemsOf(s).find(at('seedData[0].operation'))?.message).toBe('"getJob" is not a write: seed data runs writes; name one of "enqueue", "updateStatus"');
  });

  it('finds an integer generator whose minimum exceeds its maximum', () => {
    const s = broken('consensus-artifacts', (x) => {
      ((ops(x).storeSynthesis as Json).params as Json).artifacts_count = { int: [5, 1] };
    });
    expect(problemsOf(s).find(at('operations.storeSynthesis.params.artifacts_count.int'))?.message).toBe('min 5 is greater than max 1');
  });

  it('finds an unknown template placeholder', () => {
    const s = broken('job-keys', (x) => {
      ((ops(x).enqueue as Json).params as Json).job_id = { template: 'job-{uuid}' };
    });
    expect(problemsOf(s).find(at('operations.enqueue.params.job_id.template'))?.message).toMatch(/unknown placeholder \{uuid\}/);
  });

  it('finds two statements where one is expected', () => {
    const s = broken('job-keys', (x) => {
      const enq = ops(x).enqueue as Json;
      (enq.new as string[])[0] = `${(enq.new as string[])[0]!}; DELETE FROM kv`;
    });
    expect(problemsOf(s).find(at('operations.enqueue.new[0]'))?.message).toBe('expected one statement, found 2');
  });

  it('refuses transaction control and attached databases in operations', () => {
    const s = broken('job-keys', (x) => {
      const enq = ops(x).enqueue as Json;
      enq.old = ['BEGIN', ...(enq.old as string[])];
      enq.new = ["ATTACH DATABASE 'other.db' AS other"];
    });
    const problems = problemsOf(s);
    expect(problems.find(at('operations.enqueue.old[0]'))?.message).toMatch(/BEGIN is not allowed/);
    expect(problems.find(at('operations.enqueue.new[0]'))?.message).toMatch(/ATTACH is not allowed/);
  });

  it('refuses a check read that reads another collection', () => {
    const s = broken('consensus-artifacts', (x) => {
      ((colls(x).artifacts as Json).check as Json).read = 'querySynthesis';
    });
    expect(problemsOf(s).find(at('collections.artifacts.check.read'))?.message).toBe('"querySynthesis" reads collection "synthesis", not "artifacts": name one of the reads of "artifacts": queryArtifacts');
  });

  it('refuses table names the engine reserves', () => {
    const s = broken('job-keys', (x) => {
      (x.schema as Json).new = ['CREATE TABLE __cutover_versions_new (x)'];
    });
    expect(problemsOf(s).find(at('schema.new[0]'))?.message).toMatch(/reserved for the engine/);
  });

  it('reports malformed JSON without a path', () => {
    const v = parseScenario('{"format": "cutover-lab/scenario", ', sql);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.problems[0]?.message).toMatch(/^not valid JSON/);
  });

  it('reports every problem at once, not only the first', () => {
    const s = broken('job-keys', (x) => {
      x.policy = 'eventually';
      x.id = 'Job Keys';
      ((x.workload as Json).mix as Json).nope = 1;
    });
    const paths = problemsOf(s).map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['policy', 'id', 'workload.mix.nope']));
  });

  it("catches seed 004's backfill SQL as written: consensus_runs has no run_id column", () => {
    // Seed 004's migration script joins agent outputs to runs on cr.run_id, a column the
    // target schema it proposes does not have; prepared against the schema, it fails at once.
    const seed004 =
      'INSERT INTO agent_outputs (run_id, agent_name, content, output_timestamp) SELECT cr.id, ca.agent_name, ca.content_json, ' +
      "strftime('%s', ca.created_at) * 1000 FROM consensus_artifacts ca JOIN consensus_runs cr ON ca.spec_id = cr.spec_id AND ca.stage = cr.stage AND ca.run_id = cr.run_id";
    const s = broken('consensus-artifacts', (x) => {
      (((colls(x).artifacts as Json).upsert as Json).new as string[])[1] = seed004;
    });
    expect(problemsOf(s).find(at('collections.artifacts.upsert.new[1]'))?.message).toBe(
      'no such column: cr.run_id — "run_id" is a column of agent_outputs, consensus_artifacts, consensus_synthesis: read it from one of those tables (check the table or alias before the dot), or add the column to the table that lacks it in schema.new',
    );
  });
});
