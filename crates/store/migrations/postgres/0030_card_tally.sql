-- The figures of the public statistics page and the dashboard, kept by the database in the
-- transaction that moves a card instead of counted again from a million cards per request.
-- `card_tally` has one row per (body, local year of receipt, and every property 1-OL counts
-- by); `term` is 0 without an answer term, 1 kept, 2 broken, 3 still open with its term
-- `open_due` (judged against the moment of the report when read). `card_month` counts the
-- cards received per body and local month. A store test compares both with a recount after a
-- random mix of every kind of change.
--
-- The local month needs the deployment's time zone: `tally_zone` holds its offsets (from
-- `since`, in microseconds, the offset in seconds), written by the application at start from
-- the tz database; when they change the tally is rebuilt (`TallyRepo::sync_tally_zone`).
CREATE TABLE tally_zone (
    since BIGINT PRIMARY KEY,
    offset_s INTEGER NOT NULL
);

CREATE TABLE card_tally (
    body_id BIGINT NOT NULL,
    year TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    applicant TEXT NOT NULL,
    state TEXT NOT NULL,
    decision TEXT NOT NULL,
    collective BOOLEAN NOT NULL,
    repeated INTEGER NOT NULL,
    redirected_to BIGINT NOT NULL,
    term INTEGER NOT NULL,
    open_due BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (body_id, year, kind, channel, applicant, state, decision, collective,
                 repeated, redirected_to, term, open_due)
);

CREATE TABLE card_month (
    body_id BIGINT NOT NULL,
    month TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (body_id, month)
);

-- The local month ('YYYY-MM') of a moment in microseconds.
CREATE FUNCTION tally_month(at BIGINT) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT to_char(to_timestamp(at / 1000000 + COALESCE(
        (SELECT z.offset_s FROM tally_zone z WHERE z.since <= at ORDER BY z.since DESC LIMIT 1),
        0)) AT TIME ZONE 'UTC', 'YYYY-MM')
$$;

-- One card counted in (delta 1) or out (delta -1) of its row, with its answer term `due`.
CREATE FUNCTION card_tally_add(c card, due BIGINT, delta INTEGER) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    m TEXT := tally_month(c.received_at);
BEGIN
    INSERT INTO card_month (body_id, month, n) VALUES (c.body_id, m, delta)
    ON CONFLICT (body_id, month) DO UPDATE SET n = card_month.n + excluded.n;
    INSERT INTO card_tally (body_id, year, kind, channel, applicant, state, decision, collective,
                            repeated, redirected_to, term, open_due, n)
    VALUES (c.body_id, substr(m, 1, 4), c.kind, c.channel,
            COALESCE((SELECT a.kind FROM applicant a WHERE a.id = c.applicant_id), 'individual'),
            c.state, COALESCE(c.decision, ''), c.collective,
            CASE WHEN c.main_card_id IS NULL THEN 0 ELSE 1 END,
            COALESCE(c.redirected_to_body_id, 0),
            CASE WHEN due IS NULL THEN 0 WHEN c.closed_at IS NULL THEN 3
                 WHEN c.closed_at <= due THEN 1 ELSE 2 END,
            CASE WHEN due IS NOT NULL AND c.closed_at IS NULL THEN due ELSE 0 END,
            delta)
    ON CONFLICT (body_id, year, kind, channel, applicant, state, decision, collective,
                 repeated, redirected_to, term, open_due)
    DO UPDATE SET n = card_tally.n + excluded.n;
END
$$;

CREATE FUNCTION card_tally_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    due BIGINT;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        SELECT d.due_at INTO due FROM card_deadline d WHERE d.card_id = OLD.id AND d.key = 'answer';
        PERFORM card_tally_add(OLD, due, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        SELECT d.due_at INTO due FROM card_deadline d WHERE d.card_id = NEW.id AND d.key = 'answer';
        PERFORM card_tally_add(NEW, due, 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER card_tally_follow AFTER INSERT OR DELETE ON card
FOR EACH ROW EXECUTE FUNCTION card_tally_follow();

CREATE TRIGGER card_tally_change AFTER UPDATE OF body_id, received_at, kind, channel,
    applicant_id, state, decision, collective, main_card_id, redirected_to_body_id, closed_at
ON card FOR EACH ROW
WHEN (NEW.body_id IS DISTINCT FROM OLD.body_id OR NEW.received_at IS DISTINCT FROM OLD.received_at
   OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.channel IS DISTINCT FROM OLD.channel
   OR NEW.applicant_id IS DISTINCT FROM OLD.applicant_id OR NEW.state IS DISTINCT FROM OLD.state
   OR NEW.decision IS DISTINCT FROM OLD.decision OR NEW.collective IS DISTINCT FROM OLD.collective
   OR NEW.main_card_id IS DISTINCT FROM OLD.main_card_id
   OR NEW.redirected_to_body_id IS DISTINCT FROM OLD.redirected_to_body_id
   OR NEW.closed_at IS DISTINCT FROM OLD.closed_at)
EXECUTE FUNCTION card_tally_follow();

-- A card's answer term set, moved or removed moves the card from one term row to another.
CREATE FUNCTION card_tally_term() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c card;
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.key = 'answer' THEN
        SELECT * INTO c FROM card WHERE id = OLD.card_id;
        IF FOUND THEN
            PERFORM card_tally_add(c, OLD.due_at, -1);
            PERFORM card_tally_add(c, NULL, 1);
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.key = 'answer' THEN
        SELECT * INTO c FROM card WHERE id = NEW.card_id;
        IF FOUND THEN
            PERFORM card_tally_add(c, NULL, -1);
            PERFORM card_tally_add(c, NEW.due_at, 1);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER card_tally_term AFTER INSERT OR DELETE ON card_deadline
FOR EACH ROW EXECUTE FUNCTION card_tally_term();

CREATE TRIGGER card_tally_term_change AFTER UPDATE OF due_at, key, card_id ON card_deadline
FOR EACH ROW
WHEN (NEW.due_at IS DISTINCT FROM OLD.due_at OR NEW.key IS DISTINCT FROM OLD.key
   OR NEW.card_id IS DISTINCT FROM OLD.card_id)
EXECUTE FUNCTION card_tally_term();

-- The cards already there, counted in UTC months until the application gives the zone.
INSERT INTO card_month (body_id, month, n)
SELECT body_id, tally_month(received_at), COUNT(*) FROM card GROUP BY 1, 2;
INSERT INTO card_tally (body_id, year, kind, channel, applicant, state, decision, collective,
                        repeated, redirected_to, term, open_due, n)
SELECT c.body_id, substr(tally_month(c.received_at), 1, 4), c.kind, c.channel,
       COALESCE(a.kind, 'individual'), c.state, COALESCE(c.decision, ''), c.collective,
       CASE WHEN c.main_card_id IS NULL THEN 0 ELSE 1 END, COALESCE(c.redirected_to_body_id, 0),
       CASE WHEN d.due_at IS NULL THEN 0 WHEN c.closed_at IS NULL THEN 3
            WHEN c.closed_at <= d.due_at THEN 1 ELSE 2 END,
       CASE WHEN d.due_at IS NOT NULL AND c.closed_at IS NULL THEN d.due_at ELSE 0 END,
       COUNT(*)
FROM card c LEFT JOIN card_deadline d ON d.card_id = c.id AND d.key = 'answer'
LEFT JOIN applicant a ON a.id = c.applicant_id
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12;

-- The dashboard's median time to answer reads only the answered cards' three figures.
CREATE INDEX card_answered ON card(body_id, closed_at, received_at)
WHERE state IN ('answered', 'archived') AND redirected_to_body_id IS NULL;
