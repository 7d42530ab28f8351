-- The answer letter's own outgoing number: a register per body and year, allocated in the
-- transaction that stores the signed answer.
CREATE TABLE out_counter (
    body_id INTEGER NOT NULL REFERENCES body(id),
    year INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (body_id, year)
);
ALTER TABLE signed_document ADD COLUMN out_year INTEGER;
ALTER TABLE signed_document ADD COLUMN out_seq INTEGER;
