-- The SHA-256 of what the applicant signed. The same signed appeal sent again, even under a
-- new Idempotency-Key (a replay), is the first appeal and is never registered a second time.
-- Empty where the applicant signed nothing of their own (booth recordings, a redirect's copy).
ALTER TABLE appeal ADD COLUMN signed_digest TEXT;
CREATE UNIQUE INDEX appeal_signed_digest ON appeal (applicant_id, signed_digest);
