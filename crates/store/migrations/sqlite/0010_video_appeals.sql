-- Video appeals from booths in State Corporation branches (VA-01 … VA-14).

-- VA-02: the branch's journal "Registration of citizens who submitted a video appeal": who
-- identified whom by which document, and the booth session it opened.
CREATE TABLE va_journal (
    id INTEGER PRIMARY KEY,
    branch_id INTEGER NOT NULL REFERENCES branch(id),
    staff_id INTEGER NOT NULL REFERENCES staff(id),
    document_kind TEXT NOT NULL,
    document_number TEXT NOT NULL,
    iin TEXT NOT NULL,
    full_name TEXT NOT NULL,
    -- Name, IIN and document number in lower case (Unicode), for the journal's search.
    search TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    -- SHA-256 of the booth session's token (the token itself is never stored).
    session_hash TEXT NOT NULL UNIQUE
);
CREATE INDEX va_journal_branch ON va_journal(branch_id, id);

-- VA-04, VA-05, VA-08: the recording, where it is stored, its measured length, and the hash
-- of the receipt's secret code (VA-13 looks the answer up by it).
CREATE TABLE video_appeal (
    card_id INTEGER PRIMARY KEY REFERENCES card(id),
    journal_id INTEGER NOT NULL REFERENCES va_journal(id),
    branch_id INTEGER NOT NULL REFERENCES branch(id),
    recording_key TEXT NOT NULL,
    recording_sha256 TEXT NOT NULL,
    recording_bytes INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    code_hash TEXT NOT NULL UNIQUE,
    details TEXT NOT NULL
);
CREATE INDEX video_appeal_journal ON video_appeal(journal_id);

-- VA-13: failed look-ups by secret code, per client, to limit guessing.
CREATE TABLE va_lookup_failure (
    client TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX va_lookup_failure_client ON va_lookup_failure(client, at);
