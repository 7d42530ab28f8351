-- A staff member's position in their body ("head of the records office"), shown to staff
-- beside their name; set by the administrator.
ALTER TABLE staff ADD COLUMN position TEXT NOT NULL DEFAULT '';
