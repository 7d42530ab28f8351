-- How many open cards each executor holds (EA-08: a new appeal goes to the least loaded), kept
-- by the database in the transaction that moves a card, so choosing an executor costs the same
-- with a hundred open cards or a million. Open is every state but the closed ones
-- (`CardState::is_closed`); a store test compares the figures with a recount.
CREATE TABLE executor_load (
    staff_id BIGINT PRIMARY KEY REFERENCES staff(id),
    open_cards BIGINT NOT NULL DEFAULT 0
);
INSERT INTO executor_load (staff_id, open_cards)
SELECT executor_id, COUNT(*) FROM card
WHERE executor_id IS NOT NULL AND state IN ('received', 'registered', 'in_execution', 'decided')
GROUP BY executor_id;

CREATE FUNCTION card_is_open(state TEXT) RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS $$
    SELECT state IN ('received', 'registered', 'in_execution', 'decided')
$$;

CREATE FUNCTION executor_load_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was BOOLEAN := TG_OP <> 'INSERT' AND OLD.executor_id IS NOT NULL AND card_is_open(OLD.state);
    is_now BOOLEAN := TG_OP <> 'DELETE' AND NEW.executor_id IS NOT NULL AND card_is_open(NEW.state);
BEGIN
    IF was AND is_now AND OLD.executor_id = NEW.executor_id THEN
        RETURN NULL;
    END IF;
    IF was THEN
        UPDATE executor_load SET open_cards = open_cards - 1 WHERE staff_id = OLD.executor_id;
    END IF;
    IF is_now THEN
        INSERT INTO executor_load (staff_id, open_cards) VALUES (NEW.executor_id, 1)
        ON CONFLICT (staff_id) DO UPDATE SET open_cards = executor_load.open_cards + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER executor_load_follow AFTER INSERT OR DELETE OR UPDATE OF state, executor_id ON card
FOR EACH ROW EXECUTE FUNCTION executor_load_follow();
