-- Trust anchors and intermediates the administrator added or withdrew from the console, on
-- top of the national PKI's and the trust folder's; every node builds its trust store from
-- both. One row per certificate (its SHA-256 fingerprint): `der` holds a certificate added
-- here; `trusted` false withdraws it, whichever source it came from.
CREATE TABLE trust_anchor (
    fingerprint TEXT PRIMARY KEY,
    der BLOB,
    subject TEXT NOT NULL,
    trusted BOOLEAN NOT NULL,
    changed_at INTEGER NOT NULL,
    changed_by TEXT NOT NULL
);
