-- Issue 13: named sites with their kiosks, each employee's site and
-- department as HR sets them on the hub, kiosk revocation reasons, and
-- employees' correction requests.

-- +goose Up
CREATE TABLE sites (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
-- The site a kiosk stands at ('' until assigned: the kiosk is then a site
-- of its own, named by its id).
ALTER TABLE kiosks ADD COLUMN site TEXT NOT NULL DEFAULT '';
ALTER TABLE kiosks ADD COLUMN revoke_reason TEXT NOT NULL DEFAULT '';
-- Where an employee belongs, set on the hub only: no kiosk upload touches
-- this table.
CREATE TABLE employee_placement (
    number TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    department TEXT NOT NULL
);
-- A correction an employee asked for: of one of their punches (punch_id)
-- or a missing one (punch_id ''), at a time and kind, with a note. A
-- manager resolves it (with the punch added or corrected, result_punch)
-- or rejects it, with a reason.
CREATE TABLE correction_requests (
    id BIGINT PRIMARY KEY,
    employee TEXT NOT NULL,
    punch_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    at BIGINT NOT NULL,
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at BIGINT,
    decision_reason TEXT NOT NULL DEFAULT '',
    result_punch TEXT NOT NULL DEFAULT ''
);
CREATE INDEX correction_requests_employee ON correction_requests (employee, created_at);
CREATE INDEX correction_requests_status ON correction_requests (status, created_at);

-- The who's-in board reads every punch of the last shift's length with
-- these columns only: a covering index answers it without the table.
CREATE INDEX punches_presence ON punches (effective_at, employee, kind, at, kiosk_id, id, corrected_at, voided_by);

-- +goose Down
DROP INDEX punches_presence;
DROP TABLE correction_requests;
DROP TABLE employee_placement;
ALTER TABLE kiosks DROP COLUMN revoke_reason;
ALTER TABLE kiosks DROP COLUMN site;
DROP TABLE sites;
