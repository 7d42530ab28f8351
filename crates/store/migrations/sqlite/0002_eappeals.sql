-- E-appeals via the portal (EA-01 … EA-16).

-- The portal appeal behind a card: what the applicant signed, and the signature itself.
CREATE TABLE appeal (
    card_id INTEGER PRIMARY KEY REFERENCES card(id),
    applicant_id INTEGER NOT NULL REFERENCES applicant(id),
    content TEXT NOT NULL,
    outgoing_number TEXT,
    outgoing_date TEXT,
    postal_address TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    lang TEXT NOT NULL,
    -- The signed document (canonical JSON) and its CMS signature: the legal original.
    signed_document TEXT NOT NULL,
    signature BLOB NOT NULL,
    signer_serial TEXT NOT NULL,
    signed_at INTEGER,
    -- A retried submission with the same key returns the first appeal (idempotency).
    idempotency_key TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    -- EA-15: the applicant removed it from their space; the body's record stays.
    hidden_by_applicant BOOLEAN NOT NULL DEFAULT 0,
    UNIQUE (applicant_id, idempotency_key)
);
CREATE INDEX appeal_applicant ON appeal(applicant_id, card_id);

-- Files attached to an appeal; the bytes live in the file store under `storage_key`.
CREATE TABLE attachment (
    id INTEGER PRIMARY KEY,
    card_id INTEGER NOT NULL REFERENCES card(id),
    file_name TEXT NOT NULL,
    mime TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL
);
CREATE INDEX attachment_card ON attachment(card_id);

-- Documents the server signed for the applicant (EA-07.1 delivery receipt, EA-09 answer).
-- `code` is the public verification code printed as a QR code.
CREATE TABLE signed_document (
    id INTEGER PRIMARY KEY,
    card_id INTEGER NOT NULL REFERENCES card(id),
    kind TEXT NOT NULL CHECK (kind IN ('receipt', 'answer')),
    code TEXT NOT NULL UNIQUE,
    document TEXT NOT NULL,
    signature BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX signed_document_card ON signed_document(card_id);

-- EA-09: signatures on an answer (the head and the documentation office).
CREATE TABLE answer_signature (
    card_id INTEGER NOT NULL REFERENCES card(id),
    role TEXT NOT NULL CHECK (role IN ('head', 'registrar')),
    staff_id INTEGER NOT NULL REFERENCES staff(id),
    signed_at INTEGER NOT NULL,
    PRIMARY KEY (card_id, role)
);

-- Notices to applicants (EA-07, GEN-07): the outbox and the delivery log in one. A notice is
-- written in the same transaction as the change that causes it; workers deliver it.
CREATE TABLE notice (
    id INTEGER PRIMARY KEY,
    card_id INTEGER NOT NULL REFERENCES card(id),
    applicant_id INTEGER NOT NULL REFERENCES applicant(id),
    kind TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('cabinet', 'email', 'sms', 'post')),
    address TEXT,
    lang TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'failed', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    hidden_by_applicant BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX notice_applicant ON notice(applicant_id, id);
CREATE INDEX notice_due ON notice(status, next_attempt_at);

-- Applicants signed in by electronic signature.
CREATE TABLE applicant_session (
    token_hash TEXT PRIMARY KEY,
    applicant_id INTEGER NOT NULL REFERENCES applicant(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

-- One-time challenges an applicant signs to sign in.
CREATE TABLE login_nonce (
    nonce TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    used BOOLEAN NOT NULL DEFAULT 0
);
