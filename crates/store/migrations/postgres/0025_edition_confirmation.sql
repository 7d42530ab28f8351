-- Rulebook editions marked "to be confirmed" in their data (a reading of the acts rather than a
-- published text) that the deployment's administrator has confirmed (GEN-01): who and when.
-- Until its row exists, such an edition is shown as awaiting confirmation on every card it
-- governs and opens no channel that the last confirmed edition had closed.
CREATE TABLE edition_confirmation (
    edition TEXT PRIMARY KEY,
    confirmed_at BIGINT NOT NULL,
    confirmed_by TEXT NOT NULL
);
