-- The answer letter's own outgoing number: a register per body and year, allocated in the
-- transaction that stores the signed answer.
CREATE TABLE out_counter (
    body_id BIGINT NOT NULL REFERENCES body(id),
    year BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    PRIMARY KEY (body_id, year)
);
ALTER TABLE signed_document ADD COLUMN out_year BIGINT;
ALTER TABLE signed_document ADD COLUMN out_seq BIGINT;
