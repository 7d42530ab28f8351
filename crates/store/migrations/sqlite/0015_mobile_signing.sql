-- Signing with eGov mobile by QR: the page registers what is to be signed; the phone reads it
-- through the link in the QR code and sends the signature back; the page takes it from here.
-- Kept in the database so that any node serves the phone and the page. The link's token is
-- kept only as a hash; the phone's bearer token is handed out once, to the first reader of the
-- link (`link_read`). Rows expire (180 seconds) and are swept.
CREATE TABLE mobile_signing (
    id_hash TEXT PRIMARY KEY,
    auth_token TEXT NOT NULL,
    link_read BOOLEAN NOT NULL DEFAULT 0,
    description TEXT NOT NULL,
    document BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    signature BLOB,
    signed_at INTEGER
);
CREATE INDEX mobile_signing_expiry ON mobile_signing(expires_at);
