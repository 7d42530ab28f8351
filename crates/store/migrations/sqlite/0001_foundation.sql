-- Foundation schema (SQLite). Never edit an applied migration: add a new one.
-- Moments are stored as microseconds since the Unix epoch (UTC), days as 'YYYY-MM-DD', so
-- both backends share one encoding and one query text.

-- A state body. `code` appears in registration numbers, so it is unique and short.
CREATE TABLE body (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_kk TEXT NOT NULL,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL,
    parent_id INTEGER REFERENCES body(id),
    competence TEXT NOT NULL DEFAULT '[]',      -- JSON array of topic keys
    vks_connected BOOLEAN NOT NULL DEFAULT 0,
    video_appeal_connected BOOLEAN NOT NULL DEFAULT 0,
    phone TEXT,
    email TEXT,
    address_kk TEXT NOT NULL DEFAULT '',
    address_ru TEXT NOT NULL DEFAULT '',
    address_en TEXT NOT NULL DEFAULT '',
    website TEXT,
    time_zone TEXT NOT NULL DEFAULT 'Asia/Almaty'
);

-- Heads and deputies (VC-01: the first head presides; a deputy only in the head's absence).
CREATE TABLE official (
    id INTEGER PRIMARY KEY,
    body_id INTEGER NOT NULL REFERENCES body(id),
    full_name TEXT NOT NULL,
    position_kk TEXT NOT NULL,
    position_ru TEXT NOT NULL,
    position_en TEXT NOT NULL,
    rank TEXT NOT NULL CHECK (rank IN ('first_head', 'deputy')),
    seniority INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX official_body ON official(body_id);
-- At most one first head per body.
CREATE UNIQUE INDEX official_one_first_head ON official(body_id) WHERE rank = 'first_head';

CREATE TABLE official_absence (
    id INTEGER PRIMARY KEY,
    official_id INTEGER NOT NULL REFERENCES official(id),
    from_day TEXT NOT NULL,
    to_day TEXT NOT NULL,
    reason TEXT NOT NULL,
    CHECK (from_day <= to_day)
);
CREATE INDEX official_absence_official ON official_absence(official_id);

-- State Corporation branches (public service centers): VKS rooms and video-appeal booths.
CREATE TABLE branch (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_kk TEXT NOT NULL,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL,
    region_kk TEXT NOT NULL,
    region_ru TEXT NOT NULL,
    region_en TEXT NOT NULL,
    address_kk TEXT NOT NULL,
    address_ru TEXT NOT NULL,
    address_en TEXT NOT NULL,
    vks_equipment BOOLEAN NOT NULL DEFAULT 0,
    booths INTEGER NOT NULL DEFAULT 0 CHECK (booths >= 0),
    phone TEXT
);

-- Staff. `roles` is a comma-separated list of role keys; the password is an argon2 PHC string.
CREATE TABLE staff (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    email TEXT,
    body_id INTEGER REFERENCES body(id),
    branch_id INTEGER REFERENCES branch(id),
    roles TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    lang TEXT NOT NULL DEFAULT 'ru'
);

-- Sessions live in the database so any node can serve any request. Only a hash of the token
-- is kept: a copy of the database does not let anyone sign in.
CREATE TABLE staff_session (
    token_hash TEXT PRIMARY KEY,
    staff_id INTEGER NOT NULL REFERENCES staff(id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX staff_session_expires ON staff_session(expires_at);

-- Applicants by IIN or BIN; the card data is kept as JSON (it differs by type).
CREATE TABLE applicant (
    id INTEGER PRIMARY KEY,
    tax_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('individual', 'legal_entity')),
    data TEXT NOT NULL
);

-- The registration-control card (GEN-05).
CREATE TABLE card (
    id INTEGER PRIMARY KEY,
    body_id INTEGER NOT NULL REFERENCES body(id),
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    applicant_id INTEGER REFERENCES applicant(id),
    addressee TEXT,
    summary TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    registered_at INTEGER,
    reg_year INTEGER,
    reg_seq INTEGER,
    executor_id INTEGER REFERENCES staff(id),
    rulebook_id TEXT NOT NULL,
    main_card_id INTEGER REFERENCES card(id),
    redirected_to_body_id INTEGER REFERENCES body(id),
    decision TEXT,
    answer TEXT,
    archived_at INTEGER,
    collective BOOLEAN NOT NULL DEFAULT 0,
    -- A registration number is unique within its body and year.
    UNIQUE (body_id, reg_year, reg_seq)
);
CREATE INDEX card_body_state ON card(body_id, state, id);

-- The last number given per body and year. Incremented in the registering transaction, so a
-- rolled-back registration gives its number back: numbers stay gap-free.
CREATE TABLE reg_counter (
    body_id INTEGER NOT NULL REFERENCES body(id),
    year INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (body_id, year)
);

-- GEN-04: deadlines are stored with the card: what, which rule, due when, and why.
CREATE TABLE card_deadline (
    card_id INTEGER NOT NULL REFERENCES card(id),
    key TEXT NOT NULL,
    rule TEXT NOT NULL,
    rulebook TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    due_on TEXT NOT NULL,
    paused BOOLEAN NOT NULL DEFAULT 0,
    explanation TEXT NOT NULL,
    PRIMARY KEY (card_id, key)
);
CREATE INDEX card_deadline_due ON card_deadline(due_at);

-- Pauses, resumptions and extensions of a card's terms, in order.
CREATE TABLE card_term_event (
    id INTEGER PRIMARY KEY,
    card_id INTEGER NOT NULL REFERENCES card(id),
    event TEXT NOT NULL
);
CREATE INDEX card_term_event_card ON card_term_event(card_id, id);

-- An admin's edits of a calendar, on top of the shipped data file.
CREATE TABLE calendar_edit (
    jurisdiction TEXT NOT NULL,
    day TEXT NOT NULL,
    working BOOLEAN NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (jurisdiction, day)
);

-- GEN-06: the audit journal. Append-only: each entry hashes the one before it.
CREATE TABLE journal (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    subject TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX journal_subject ON journal(subject, seq);

-- The head of the chain: one row, locked by every append, so appends are serialised.
CREATE TABLE journal_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO journal_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
