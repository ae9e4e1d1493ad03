/**
 * A scenario whose divergence no repair can fix, for the simulation's convergence bound (issue 10,
 * item 5): the docs' example (users' email addresses moved to a table of their own), except that
 * the new side's canonical `upsert` stores `upper(:name)` while `rows.new` reads `name` as stored
 * and dual writes store the name unchanged. A record the backfill copies from old (the seed data,
 * anything written in old-only) then differs from old in `name` with equal versions: backfill
 * copies only a newer version, reverse-sync likewise, so both leave it as it is, and verify finds
 * it differing after every round.
 */
import { writeFile } from 'node:fs/promises';
import type { Scenario } from '../../src/engine/scenario/format.ts';

/** The scenario as plain JSON, as a user would write it. */
export const UNREPAIRABLE_SCENARIO_JSON = {
  "format": "cutover-lab/scenario",
  "version": 1,
  "id": "user-emails-unrepairable",
  "title": "User emails, with a new-side upsert that upper-cases names",
  "summary": "The docs example (users.email moved to a user_emails table), broken on purpose: the new side's canonical upsert stores upper(:name) while rows.new reads name as stored and dual writes store it unchanged. Every record backfilled from old therefore differs from old with equal versions, and neither backfill nor reverse-sync can ever repair it.",
  "topology": "shared",
  "policy": "atomic",
  "labels": {
    "old": "users.email",
    "new": "user_emails"
  },
  "schema": {
    "old": [
      "CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT)"
    ],
    "new": [
      "CREATE TABLE people (id TEXT PRIMARY KEY, name TEXT NOT NULL)",
      "CREATE TABLE user_emails (user_id TEXT NOT NULL REFERENCES people (id), address TEXT NOT NULL, is_primary INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (user_id, address))"
    ]
  },
  "collections": {
    "users": {
      "key": [
        "user_id"
      ],
      "fields": [
        "name",
        "email"
      ],
      "rows": {
        "old": "SELECT id AS user_id, name, email FROM users",
        "new": "SELECT p.id AS user_id, p.name AS name, (SELECT address FROM user_emails WHERE user_id = p.id AND is_primary = 1) AS email FROM people p"
      },
      "upsert": {
        "old": [
          "INSERT INTO users (id, name, email) VALUES (:user_id, :name, :email) ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email"
        ],
        "new": [
          "INSERT INTO people (id, name) VALUES (:user_id, upper(:name)) ON CONFLICT (id) DO UPDATE SET name = excluded.name",
          "DELETE FROM user_emails WHERE user_id = :user_id",
          "INSERT INTO user_emails (user_id, address) SELECT :user_id, :email WHERE :email IS NOT NULL"
        ]
      },
      "remove": {
        "old": [
          "DELETE FROM users WHERE id = :user_id"
        ],
        "new": [
          "DELETE FROM user_emails WHERE user_id = :user_id",
          "DELETE FROM people WHERE id = :user_id"
        ]
      },
      "check": {
        "read": "getUser",
        "params": {
          "user_id": "user_id"
        }
      }
    }
  },
  "operations": {
    "signUp": {
      "kind": "write",
      "description": "A new user, with or without an email address.",
      "params": {
        "user_id": {
          "template": "u-{seq}"
        },
        "name": {
          "text": [
            1,
            2
          ]
        },
        "email": {
          "nullable": 0.2,
          "of": {
            "template": "{pick:ada|grace|alan}{int:1:999}@example.com"
          }
        }
      },
      "old": [
        "INSERT INTO users (id, name, email) VALUES (:user_id, :name, :email)"
      ],
      "new": [
        "INSERT INTO people (id, name) VALUES (:user_id, :name)",
        "INSERT INTO user_emails (user_id, address) SELECT :user_id, :email WHERE :email IS NOT NULL"
      ],
      "effect": {
        "collection": "users",
        "type": "insert",
        "key": {
          "user_id": "user_id"
        },
        "set": {
          "name": "name",
          "email": "email"
        }
      }
    },
    "changeEmail": {
      "kind": "write",
      "description": "Replaces the address of an existing user.",
      "params": {
        "user_id": {
          "existing": "users",
          "field": "user_id",
          "missing": 0.1
        },
        "email": {
          "template": "{pick:ada|grace|alan}{int:1:999}@example.org"
        }
      },
      "old": [
        "UPDATE users SET email = :email WHERE id = :user_id"
      ],
      "new": [
        "DELETE FROM user_emails WHERE user_id = :user_id AND EXISTS (SELECT 1 FROM people WHERE id = :user_id)",
        "INSERT INTO user_emails (user_id, address) SELECT id, :email FROM people WHERE id = :user_id"
      ],
      "effect": {
        "collection": "users",
        "type": "update",
        "key": {
          "user_id": "user_id"
        },
        "set": {
          "email": "email"
        }
      }
    },
    "closeAccount": {
      "kind": "write",
      "params": {
        "user_id": {
          "existing": "users",
          "field": "user_id"
        }
      },
      "old": [
        "DELETE FROM users WHERE id = :user_id"
      ],
      "new": [
        "DELETE FROM user_emails WHERE user_id = :user_id",
        "DELETE FROM people WHERE id = :user_id"
      ],
      "effect": {
        "collection": "users",
        "type": "delete",
        "key": {
          "user_id": "user_id"
        }
      }
    },
    "getUser": {
      "kind": "read",
      "params": {
        "user_id": {
          "existing": "users",
          "field": "user_id",
          "missing": 0.05
        }
      },
      "collection": "users",
      "old": "SELECT id AS user_id, name, email FROM users WHERE id = :user_id",
      "new": "SELECT p.id AS user_id, p.name AS name, (SELECT address FROM user_emails WHERE user_id = p.id AND is_primary = 1) AS email FROM people p WHERE p.id = :user_id"
    }
  },
  "drop": [
    "DROP TABLE users"
  ],
  "seedData": [
    {
      "operation": "signUp",
      "count": 25
    }
  ],
  "workload": {
    "mix": {
      "signUp": 20,
      "changeEmail": 25,
      "closeAccount": 5,
      "getUser": 50
    }
  },
  "settings": {
    "backfillBatchSize": 20
  }
} as const;

/** The scenario, typed (it passes the validator: the fault is in what its SQL means, not its shape). */
export const UNREPAIRABLE_SCENARIO = UNREPAIRABLE_SCENARIO_JSON as unknown as Scenario;

/** Writes the scenario to `path`, for the command line. */
export async function writeUnrepairableScenario(path: string): Promise<void> {
  await writeFile(path, JSON.stringify(UNREPAIRABLE_SCENARIO_JSON, null, 2));
}
