-- EA-09: staff sign with their own keys. A staff member's IIN is what their certificate must
-- carry; a body's BIN is what its employees' certificates carry.
ALTER TABLE staff ADD COLUMN iin TEXT;
CREATE UNIQUE INDEX staff_iin ON staff(iin) WHERE iin IS NOT NULL;
ALTER TABLE body ADD COLUMN bin TEXT;
CREATE UNIQUE INDEX body_bin ON body(bin) WHERE bin IS NOT NULL;

-- The answer as it is signed: fixed when the first signatory asks for it, so that every
-- signature is over the same bytes; it carries its verification code.
CREATE TABLE answer_draft (
    card_id BIGINT PRIMARY KEY REFERENCES card(id),
    document TEXT NOT NULL,
    code TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Each signatory's own CMS over the answer document; the signed answer joins them into one.
ALTER TABLE answer_signature ADD COLUMN signature BYTEA;
