-- Reserved: version 4 belongs to a change developed on another branch.
-- This no-op keeps the versions gapless on this branch; the other
-- branch's 0004 replaces it when both are merged.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
