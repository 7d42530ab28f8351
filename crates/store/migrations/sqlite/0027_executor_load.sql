-- How many open cards each executor holds (EA-08: a new appeal goes to the least loaded), kept
-- by the database in the transaction that moves a card, so choosing an executor costs the same
-- with a hundred open cards or a million. Open is every state but the closed ones
-- (`CardState::is_closed`); a store test compares the figures with a recount.
CREATE TABLE executor_load (
    staff_id INTEGER PRIMARY KEY REFERENCES staff(id),
    open_cards INTEGER NOT NULL DEFAULT 0
);
INSERT INTO executor_load (staff_id, open_cards)
SELECT executor_id, COUNT(*) FROM card
WHERE executor_id IS NOT NULL AND state IN ('received', 'registered', 'in_execution', 'decided')
GROUP BY executor_id;

CREATE TRIGGER executor_load_insert AFTER INSERT ON card
WHEN NEW.executor_id IS NOT NULL
 AND NEW.state IN ('received', 'registered', 'in_execution', 'decided')
BEGIN
    INSERT INTO executor_load (staff_id, open_cards) VALUES (NEW.executor_id, 1)
    ON CONFLICT (staff_id) DO UPDATE SET open_cards = open_cards + 1;
END;

CREATE TRIGGER executor_load_leave AFTER UPDATE OF state, executor_id ON card
WHEN OLD.executor_id IS NOT NULL
 AND OLD.state IN ('received', 'registered', 'in_execution', 'decided')
 AND (NEW.executor_id IS NOT OLD.executor_id
      OR NEW.state NOT IN ('received', 'registered', 'in_execution', 'decided'))
BEGIN
    UPDATE executor_load SET open_cards = open_cards - 1 WHERE staff_id = OLD.executor_id;
END;

CREATE TRIGGER executor_load_enter AFTER UPDATE OF state, executor_id ON card
WHEN NEW.executor_id IS NOT NULL
 AND NEW.state IN ('received', 'registered', 'in_execution', 'decided')
 AND (NEW.executor_id IS NOT OLD.executor_id
      OR OLD.executor_id IS NULL
      OR OLD.state NOT IN ('received', 'registered', 'in_execution', 'decided'))
BEGIN
    INSERT INTO executor_load (staff_id, open_cards) VALUES (NEW.executor_id, 1)
    ON CONFLICT (staff_id) DO UPDATE SET open_cards = open_cards + 1;
END;

CREATE TRIGGER executor_load_delete AFTER DELETE ON card
WHEN OLD.executor_id IS NOT NULL
 AND OLD.state IN ('received', 'registered', 'in_execution', 'decided')
BEGIN
    UPDATE executor_load SET open_cards = open_cards - 1 WHERE staff_id = OLD.executor_id;
END;
