-- The VKS reception after booking (VC-09 … VC-18): its state and decision, the hearing before
-- a refusal, the equipment check, the check-in at the branch, the conference room and the
-- head's record; the monthly timetables; the messages to the operator and the branches.
-- Moments in microseconds since the epoch (UTC); local times as `YYYY-MM-DDTHH:MM:SS`.

ALTER TABLE vks_booking ADD COLUMN state TEXT NOT NULL DEFAULT 'requested'
    CHECK (state IN ('requested', 'appointed', 'refused', 'checked_in', 'no_show', 'held'));
ALTER TABLE vks_booking ADD COLUMN decided_at INTEGER;
ALTER TABLE vks_booking ADD COLUMN hearing_notified_on TEXT;
ALTER TABLE vks_booking ADD COLUMN hearing_position TEXT;
ALTER TABLE vks_booking ADD COLUMN room TEXT;
ALTER TABLE vks_booking ADD COLUMN equipment_checked_at INTEGER;
ALTER TABLE vks_booking ADD COLUMN equipment_ok BOOLEAN;
ALTER TABLE vks_booking ADD COLUMN equipment_note TEXT;
ALTER TABLE vks_booking ADD COLUMN arrived_at TEXT;
ALTER TABLE vks_booking ADD COLUMN id_document TEXT;
ALTER TABLE vks_booking ADD COLUMN record TEXT;
CREATE INDEX vks_booking_branch ON vks_booking(branch_id, state);

-- VC-12, VC-13: a body's timetable for a month, as sent to the operator and the State
-- Corporation, and its publication.
CREATE TABLE vks_timetable (
    id INTEGER PRIMARY KEY,
    body_id INTEGER NOT NULL REFERENCES body(id),
    month TEXT NOT NULL,
    due_on TEXT,
    sent_at INTEGER NOT NULL,
    sent_by INTEGER NOT NULL REFERENCES staff(id),
    publish_due_on TEXT,
    published_at INTEGER,
    published_by INTEGER REFERENCES staff(id),
    entries TEXT NOT NULL,
    UNIQUE (body_id, month)
);

-- VC-11, VC-12, VC-14: what the operator (branch_id NULL) or a branch was told, and when.
CREATE TABLE vks_message (
    id INTEGER PRIMARY KEY,
    branch_id INTEGER REFERENCES branch(id),
    booking_id INTEGER REFERENCES vks_booking(id),
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX vks_message_to ON vks_message(branch_id, id);
