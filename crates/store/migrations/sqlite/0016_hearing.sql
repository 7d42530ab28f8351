-- GEN-09 (APPC art. 73; VC-10): the hearing before a decision adverse to the applicant, on
-- every channel. One row per card and intended decision: when and by whom the applicant was
-- notified, the last day for their position, and what was recorded — their position (taken
-- down by staff, or stated in the cabinet with its signature) or, once that day passed, that
-- none was given.
CREATE TABLE hearing (
    id INTEGER PRIMARY KEY,
    card_id INTEGER NOT NULL REFERENCES card(id),
    intended_decision TEXT NOT NULL,
    notified_at INTEGER NOT NULL,
    notified_on TEXT NOT NULL,
    respond_by TEXT NOT NULL,
    notified_by TEXT NOT NULL,
    position_kind TEXT CHECK (position_kind IN ('given', 'none_given')),
    position TEXT,
    position_by TEXT,
    position_signature BLOB,
    position_at INTEGER,
    UNIQUE (card_id, intended_decision)
);

-- VKS hearings recorded before this table (VC-10) move into it. Their day for the position
-- was not recorded; the notice day stands in for it.
INSERT INTO hearing (card_id, intended_decision, notified_at, notified_on, respond_by, notified_by,
                     position_kind, position, position_by, position_at)
SELECT card_id, 'refuse_out_of_competence',
       CAST(strftime('%s', hearing_notified_on) AS INTEGER) * 1000000,
       hearing_notified_on, hearing_notified_on, 'staff',
       CASE WHEN hearing_position IS NULL THEN NULL ELSE 'given' END,
       hearing_position,
       CASE WHEN hearing_position IS NULL THEN NULL ELSE 'staff' END,
       CASE WHEN hearing_position IS NULL THEN NULL
            ELSE CAST(strftime('%s', hearing_notified_on) AS INTEGER) * 1000000 END
FROM vks_booking WHERE hearing_notified_on IS NOT NULL;

ALTER TABLE vks_booking DROP COLUMN hearing_notified_on;
ALTER TABLE vks_booking DROP COLUMN hearing_position;
