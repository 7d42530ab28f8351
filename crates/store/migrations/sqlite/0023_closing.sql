-- A body or a branch that has closed: it leaves every list a person chooses a recipient, a
-- branch or a booth from, and takes no new appeal, booking or sign-up; its cards, journal and
-- reports stay. NULL while it works.
ALTER TABLE body ADD COLUMN closed_at INTEGER;
ALTER TABLE branch ADD COLUMN closed_at INTEGER;
