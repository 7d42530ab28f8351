-- A notice given up for good (dead) that the administrator has looked at and dismissed: it
-- leaves the console's list of dead notices and stays undelivered on the card.
ALTER TABLE notice ADD COLUMN dismissed_at BIGINT;
