-- +goose Up
-- clockface ledger schema, version 1.
-- Times are INTEGER nanoseconds since the Unix epoch, UTC.

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

CREATE TABLE employees (
	id            INTEGER PRIMARY KEY,
	number        TEXT NOT NULL UNIQUE CHECK (number <> ''),
	name          TEXT NOT NULL,
	locale        TEXT NOT NULL DEFAULT '',
	badge_id      TEXT UNIQUE CHECK (badge_id IS NULL OR badge_id <> ''),
	pin_hash      TEXT,
	status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'terminated')),
	restricted    INTEGER NOT NULL DEFAULT 0 CHECK (restricted IN (0, 1)),
	created_at    INTEGER NOT NULL,
	terminated_at INTEGER,
	erased_at     INTEGER
) STRICT;

-- One random data key per employee, wrapped by the master key. Deleting the
-- row makes every ciphertext sealed under it unrecoverable.
CREATE TABLE data_keys (
	employee_id INTEGER PRIMARY KEY REFERENCES employees (id) ON DELETE CASCADE,
	wrapped     BLOB NOT NULL,
	created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE consents (
	id               INTEGER PRIMARY KEY,
	employee_id      INTEGER NOT NULL REFERENCES employees (id),
	text_version     TEXT NOT NULL CHECK (text_version <> ''),
	locale           TEXT NOT NULL,
	text_sha256      TEXT NOT NULL CHECK (length(text_sha256) = 64),
	signature        TEXT NOT NULL CHECK (signature <> ''),
	signed_at        INTEGER NOT NULL,
	kiosk_id         TEXT NOT NULL,
	retention_policy TEXT NOT NULL CHECK (retention_policy <> ''),
	withdrawn_at     INTEGER
) STRICT;

-- At most one live consent per employee.
CREATE UNIQUE INDEX consents_live ON consents (employee_id) WHERE withdrawn_at IS NULL;

CREATE TABLE templates (
	id            INTEGER PRIMARY KEY,
	employee_id   INTEGER NOT NULL REFERENCES employees (id),
	consent_id    INTEGER NOT NULL REFERENCES consents (id),
	model_name    TEXT NOT NULL,
	model_version TEXT NOT NULL,
	dim           INTEGER NOT NULL,
	ciphertext    BLOB NOT NULL,
	created_at    INTEGER NOT NULL,
	UNIQUE (employee_id, model_name, model_version)
) STRICT;

-- Consent before biometrics, enforced here and not only in Go: a template row
-- must point at a live consent of the same employee.
-- +goose StatementBegin
CREATE TRIGGER templates_need_consent_insert BEFORE INSERT ON templates
WHEN NOT EXISTS (
	SELECT 1 FROM consents
	WHERE id = NEW.consent_id AND employee_id = NEW.employee_id AND withdrawn_at IS NULL
)
BEGIN
	SELECT RAISE(ABORT, 'no live consent for template');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER templates_need_consent_update BEFORE UPDATE ON templates
WHEN NOT EXISTS (
	SELECT 1 FROM consents
	WHERE id = NEW.consent_id AND employee_id = NEW.employee_id AND withdrawn_at IS NULL
)
BEGIN
	SELECT RAISE(ABORT, 'no live consent for template');
END;
-- +goose StatementEnd

-- Withdrawing a consent deletes the templates resting on it, in the same
-- transaction; deleting a consent row is refused while templates rest on it.
-- +goose StatementBegin
CREATE TRIGGER consents_withdraw_deletes_templates AFTER UPDATE OF withdrawn_at ON consents
WHEN NEW.withdrawn_at IS NOT NULL
BEGIN
	DELETE FROM templates WHERE consent_id = NEW.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER consents_no_delete_under_templates BEFORE DELETE ON consents
WHEN EXISTS (SELECT 1 FROM templates WHERE consent_id = OLD.id)
BEGIN
	SELECT RAISE(ABORT, 'consent has templates');
END;
-- +goose StatementEnd

CREATE TABLE snapshots (
	id          INTEGER PRIMARY KEY,
	uid         TEXT NOT NULL UNIQUE,
	employee_id INTEGER NOT NULL REFERENCES employees (id),
	purpose     TEXT NOT NULL CHECK (purpose IN ('punch', 'enrol')),
	captured_at INTEGER NOT NULL,
	ciphertext  BLOB NOT NULL
) STRICT;

CREATE INDEX snapshots_captured ON snapshots (captured_at);
CREATE INDEX snapshots_employee ON snapshots (employee_id);

CREATE TABLE punches (
	id                TEXT PRIMARY KEY,
	employee_id       INTEGER NOT NULL REFERENCES employees (id),
	kind              TEXT NOT NULL CHECK (kind IN ('in', 'out', 'break_start', 'break_end')),
	method            TEXT NOT NULL CHECK (method IN ('face', 'pin', 'badge')),
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
	voided_when       INTEGER
) STRICT, WITHOUT ROWID;

CREATE INDEX punches_employee_at ON punches (employee_id, at);
CREATE INDEX punches_effective ON punches (effective_at);

CREATE TABLE punch_corrections (
	seq        INTEGER PRIMARY KEY,
	punch_id   TEXT NOT NULL REFERENCES punches (id),
	old_at     INTEGER NOT NULL,
	new_at     INTEGER NOT NULL,
	actor      TEXT NOT NULL,
	reason     TEXT NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX punch_corrections_punch ON punch_corrections (punch_id);

CREATE TABLE outbox (
	seq      INTEGER PRIMARY KEY AUTOINCREMENT,
	event_id TEXT NOT NULL UNIQUE,
	type     TEXT NOT NULL CHECK (type IN ('punch', 'correction', 'void')),
	punch_id TEXT NOT NULL,
	payload  TEXT NOT NULL,
	at       INTEGER NOT NULL
) STRICT;

CREATE TABLE attempts (
	employee_id  INTEGER PRIMARY KEY REFERENCES employees (id) ON DELETE CASCADE,
	failures     INTEGER NOT NULL,
	locked_until INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE audit (
	seq       INTEGER PRIMARY KEY,
	at        INTEGER NOT NULL,
	actor     TEXT NOT NULL,
	action    TEXT NOT NULL,
	subject   TEXT NOT NULL,
	detail    TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL
) STRICT;

CREATE INDEX audit_subject ON audit (subject);
