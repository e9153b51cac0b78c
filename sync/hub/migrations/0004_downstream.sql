-- Hub to kiosk: employee status changes HR makes on the hub (terminate,
-- restrict to PIN, lift a restriction), sent to every kiosk at its next
-- sync, and how far each kiosk has applied them.

-- +goose Up
-- seq is the hub audit entry that recorded the change: strictly
-- increasing across changes, the version kiosks apply in order.
CREATE TABLE employee_status_changes (
    seq BIGINT PRIMARY KEY,
    number TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX employee_status_changes_number ON employee_status_changes (number, seq);
-- applied_seq: the newest change the kiosk reported applied (its request's
-- after), so the dashboard shows on how many kiosks a change is pending.
CREATE TABLE kiosk_downstream (
    kiosk_id TEXT PRIMARY KEY,
    applied_seq BIGINT NOT NULL,
    at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE kiosk_downstream;
DROP INDEX employee_status_changes_number;
DROP TABLE employee_status_changes;
