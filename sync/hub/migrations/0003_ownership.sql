-- Issue 15: directory ownership and integrity flags.
-- owner_kiosk is the kiosk that first uploaded an employee number; only it
-- (or the hub's own tools) may change the entry. Existing entries go to the
-- kiosk of the employee's earliest punch, or stay unowned ('') until the
-- next kiosk upload claims them.

-- +goose Up
ALTER TABLE employees ADD COLUMN owner_kiosk TEXT NOT NULL DEFAULT '';
UPDATE employees SET owner_kiosk = COALESCE(
    (SELECT p.kiosk_id FROM punches p WHERE p.employee = employees.number ORDER BY p.at, p.id LIMIT 1), '');
CREATE TABLE directory_flags (
    number TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    owner_kiosk TEXT NOT NULL,
    hub_time BIGINT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX directory_flags_time ON directory_flags (hub_time);
CREATE TABLE punch_conflicts (
    punch_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    hub_time BIGINT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX punch_conflicts_time ON punch_conflicts (hub_time);

-- +goose Down
DROP TABLE punch_conflicts;
DROP TABLE directory_flags;
ALTER TABLE employees DROP COLUMN owner_kiosk;
