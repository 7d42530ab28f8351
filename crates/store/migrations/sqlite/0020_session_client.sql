-- Where a staff session was opened from: the client's address and browser, shown to the staff
-- member in the list of their sessions (and to an administrator who ends them).
ALTER TABLE staff_session ADD COLUMN client_ip TEXT NOT NULL DEFAULT '';
ALTER TABLE staff_session ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
