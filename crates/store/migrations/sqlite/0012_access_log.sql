-- VC-20: every access of staff to an applicant's personal data, reviewed by the body's
-- security officer. Ids only: no name, IIN or appeal text is written here.
CREATE TABLE pd_access (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    staff_id INTEGER NOT NULL REFERENCES staff(id),
    body_id INTEGER NOT NULL REFERENCES body(id),
    card_id INTEGER NOT NULL REFERENCES card(id),
    kind TEXT NOT NULL
);
CREATE INDEX pd_access_body ON pd_access(body_id, id);
CREATE INDEX pd_access_card ON pd_access(card_id, id);
