-- Attendance on the hub: payroll identities in the directory, admin punch
-- repairs with their originals, a hash-chained hub audit log, approvals,
-- locks, adjustments, export records and site settings.

-- +goose Up
-- What the kiosks upload (a later upload never blanks a value).
ALTER TABLE employees ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE employees ADD COLUMN last_name TEXT NOT NULL DEFAULT '';
ALTER TABLE employees ADD COLUMN adp_file_number TEXT NOT NULL DEFAULT '';
ALTER TABLE employees ADD COLUMN paychex_worker_id TEXT NOT NULL DEFAULT '';
ALTER TABLE employees ADD COLUMN gusto_id TEXT NOT NULL DEFAULT '';
ALTER TABLE employees ADD COLUMN quickbooks_name TEXT NOT NULL DEFAULT '';
-- What HR set on the hub: a value here (even empty) wins over the upload.
CREATE TABLE employee_hub_fields (
    number TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (number, field)
);
-- The kind a punch was recorded with, when the hub corrected it (kind then
-- holds the effective one).
ALTER TABLE punches ADD COLUMN original_kind TEXT;
CREATE TABLE punch_edits (
    id BIGINT NOT NULL,
    punch_id TEXT NOT NULL,
    field TEXT NOT NULL,
    before_value TEXT NOT NULL,
    after_value TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (id, field)
);
CREATE INDEX punch_edits_punch ON punch_edits (punch_id);
CREATE TABLE hub_audit (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
-- One row: the audit log's head, updated first by every writer so that
-- writers queue (a row lock on PostgreSQL) and the chain never forks.
CREATE TABLE hub_audit_head (id BIGINT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL);
INSERT INTO hub_audit_head (id, seq, hash) VALUES (1, 0, '');
CREATE TABLE approvals (
    employee TEXT NOT NULL,
    from_at BIGINT NOT NULL,
    to_at BIGINT NOT NULL,
    approver TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (employee, from_at, to_at)
);
CREATE TABLE locks (
    from_at BIGINT NOT NULL,
    to_at BIGINT NOT NULL,
    locked_by TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (from_at, to_at)
);
CREATE TABLE adjustments (
    id BIGINT NOT NULL,
    employee TEXT NOT NULL,
    locked_from BIGINT NOT NULL,
    locked_to BIGINT NOT NULL,
    into_from BIGINT NOT NULL,
    into_to BIGINT NOT NULL,
    regular_ns BIGINT NOT NULL,
    overtime_ns BIGINT NOT NULL,
    double_ns BIGINT NOT NULL,
    adjusted_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (id, employee)
);
CREATE INDEX adjustments_into ON adjustments (into_from);
CREATE TABLE exports (
    id TEXT PRIMARY KEY,
    exported_by TEXT NOT NULL,
    at BIGINT NOT NULL,
    from_at BIGINT NOT NULL,
    to_at BIGINT NOT NULL,
    format TEXT NOT NULL,
    rules TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    totals TEXT NOT NULL,
    data BYTEA NOT NULL
);
CREATE INDEX exports_period ON exports (from_at, to_at, format, at);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
