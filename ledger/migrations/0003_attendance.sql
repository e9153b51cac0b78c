-- +goose Up
-- clockface ledger schema, version 3: attendance on the kiosk.
--
--   - employees keep first and last name and their payroll ids apart;
--   - a punch may be added by an admin (method 'admin'), carries a flag
--     when its kind contradicted the employee's state, and keeps the kind
--     it was recorded with when a correction changed it (original_kind);
--   - punch_corrections records kind changes too (old_kind, new_kind);
--   - an index finds an employee's punches by effective time (State).
--
-- SQLite cannot change a CHECK, so punches is rebuilt. punch_corrections
-- (its only child) is copied aside and rebuilt after it, so no foreign key
-- ever points at a missing row, with foreign keys on, in goose's one
-- transaction.

ALTER TABLE employees ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE employees ADD COLUMN last_name TEXT NOT NULL DEFAULT '';
ALTER TABLE employees ADD COLUMN adp_file_number TEXT NOT NULL DEFAULT '';
ALTER TABLE employees ADD COLUMN paychex_worker_id TEXT NOT NULL DEFAULT '';
ALTER TABLE employees ADD COLUMN gusto_id TEXT NOT NULL DEFAULT '';
ALTER TABLE employees ADD COLUMN quickbooks_name TEXT NOT NULL DEFAULT '';

CREATE TABLE punch_corrections_copy AS SELECT * FROM punch_corrections;
DROP TABLE punch_corrections;

ALTER TABLE punches RENAME TO punches_v2;
DROP INDEX punches_employee_at;
DROP INDEX punches_effective;

CREATE TABLE punches (
	id                TEXT PRIMARY KEY,
	employee_id       INTEGER NOT NULL REFERENCES employees (id),
	kind              TEXT NOT NULL CHECK (kind IN ('in', 'out', 'break_start', 'break_end')),
	method            TEXT NOT NULL CHECK (method IN ('face', 'pin', 'badge', 'admin')),
	at                INTEGER NOT NULL,
	kiosk_id          TEXT NOT NULL,
	distance          REAL NOT NULL DEFAULT 0,
	margin            REAL NOT NULL DEFAULT 0,
	liveness          TEXT NOT NULL DEFAULT '',
	snapshot_id       INTEGER NOT NULL DEFAULT 0,
	model             TEXT NOT NULL DEFAULT '',
	-- the latest correction (history in punch_corrections); at never changes
	effective_at      INTEGER NOT NULL,
	corrected_by      TEXT,
	correction_reason TEXT,
	corrected_when    INTEGER,
	voided_by         TEXT,
	void_reason       TEXT,
	voided_when       INTEGER,
	-- the kind recorded at the kiosk, once a correction changed kind
	original_kind     TEXT CHECK (original_kind IS NULL OR original_kind IN ('in', 'out', 'break_start', 'break_end')),
	-- why the punch needs a look: '' or 'contradicting_kind'
	flag              TEXT NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;

INSERT INTO punches (id, employee_id, kind, method, at, kiosk_id, distance, margin, liveness, snapshot_id, model,
	effective_at, corrected_by, correction_reason, corrected_when, voided_by, void_reason, voided_when)
SELECT id, employee_id, kind, method, at, kiosk_id, distance, margin, liveness, snapshot_id, model,
	effective_at, corrected_by, correction_reason, corrected_when, voided_by, void_reason, voided_when
FROM punches_v2;

DROP TABLE punches_v2;

CREATE INDEX punches_employee_at ON punches (employee_id, at);
CREATE INDEX punches_effective ON punches (effective_at);
CREATE INDEX punches_employee_effective ON punches (employee_id, effective_at);

CREATE TABLE punch_corrections (
	seq        INTEGER PRIMARY KEY,
	punch_id   TEXT NOT NULL REFERENCES punches (id),
	old_at     INTEGER NOT NULL,
	new_at     INTEGER NOT NULL,
	actor      TEXT NOT NULL,
	reason     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	-- set when the correction changed the kind
	old_kind   TEXT,
	new_kind   TEXT
) STRICT;

INSERT INTO punch_corrections (seq, punch_id, old_at, new_at, actor, reason, created_at)
SELECT seq, punch_id, old_at, new_at, actor, reason, created_at FROM punch_corrections_copy;

DROP TABLE punch_corrections_copy;

CREATE INDEX punch_corrections_punch ON punch_corrections (punch_id);
