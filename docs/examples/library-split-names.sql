PRAGMA foreign_keys = ON;
CREATE TABLE members (
  id INTEGER PRIMARY KEY,
  full_name TEXT NOT NULL,
  email TEXT UNIQUE,
  joined_at TEXT NOT NULL
);
CREATE TABLE books (
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  author TEXT,
  "pub-year" INTEGER,
  tags TEXT
);
CREATE TABLE loans (
  id INTEGER PRIMARY KEY,
  book_id INTEGER NOT NULL REFERENCES books(id),
  member_id INTEGER NOT NULL REFERENCES members(id),
  loaned_at TEXT NOT NULL,
  "due date" TEXT,
  returned INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX loans_member ON loans(member_id);
CREATE TABLE audit_log (at TEXT, message TEXT);

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 600)
INSERT INTO members (id, full_name, email, joined_at)
SELECT i,
  CASE WHEN i % 50 = 0 THEN 'Cher' || i
       WHEN i % 17 = 0 THEN 'Mary Ann ' || (CASE i % 3 WHEN 0 THEN 'Smith' WHEN 1 THEN 'van Dyke' ELSE 'Okafor' END)
       ELSE (CASE i % 7 WHEN 0 THEN 'Ada' WHEN 1 THEN 'Grace' WHEN 2 THEN 'Alan' WHEN 3 THEN 'Edsger' WHEN 4 THEN 'Barbara' WHEN 5 THEN 'Ken' ELSE 'Frances' END)
            || ' ' || (CASE i % 5 WHEN 0 THEN 'Lovelace' WHEN 1 THEN 'Hopper' WHEN 2 THEN 'Turing' WHEN 3 THEN 'Liskov' ELSE 'Thompson' END) END,
  'member' || i || '@example.org',
  datetime('2020-01-01', '+' || (i * 37 % 1500) || ' days')
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1500)
INSERT INTO books (id, title, author, "pub-year", tags)
SELECT i, 'Book number ' || i, 'Author ' || (i % 200), 1900 + (i * 7 % 124),
  CASE i % 4 WHEN 0 THEN 'fiction,classic' WHEN 1 THEN 'science' WHEN 2 THEN NULL ELSE 'history,war,biography' END
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 3000)
INSERT INTO loans (id, book_id, member_id, loaned_at, "due date", returned)
SELECT i, 1 + (i * 13 % 1500), 1 + (i * 31 % 600),
  datetime('2023-01-01', '+' || (i % 700) || ' days'),
  date('2023-01-01', '+' || (i % 700 + 21) || ' days'),
  i % 3 = 0
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 250)
INSERT INTO audit_log SELECT datetime('2024-01-01', '+' || i || ' hours'), 'event ' || i FROM n;
