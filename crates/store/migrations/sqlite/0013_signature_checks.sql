-- EA-06: what the check of an applicant's signature established (algorithm, certificate role,
-- timestamp, revocation), as JSON (`SignatureCheck` in the domain). `revocation_pending` is set
-- while the revocation list and responder could not be reached and the deployment accepted the
-- signature anyway; a worker checks those again.
ALTER TABLE appeal ADD COLUMN signature_check TEXT;
ALTER TABLE appeal ADD COLUMN revocation_pending BOOLEAN NOT NULL DEFAULT 0;
CREATE INDEX appeal_revocation_pending ON appeal(card_id) WHERE revocation_pending;

-- Revocation lists fetched from certificates' distribution points (NCA RK publishes a full
-- and a delta list), kept here so that every node uses the same copy and refreshes it before
-- its next update.
CREATE TABLE crl_cache (
    url TEXT PRIMARY KEY,
    der BLOB NOT NULL,
    this_update INTEGER NOT NULL,
    next_update INTEGER,
    fetched_at INTEGER NOT NULL
);
