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
    since INTEGER PRIMARY KEY,
    offset_s INTEGER NOT NULL
);

CREATE TABLE card_tally (
    body_id INTEGER NOT NULL,
    year TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    applicant TEXT NOT NULL,
    state TEXT NOT NULL,
    decision TEXT NOT NULL,
    collective BOOLEAN NOT NULL,
    repeated INTEGER NOT NULL,
    redirected_to INTEGER NOT NULL,
    term INTEGER NOT NULL,
    open_due INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (body_id, year, kind, channel, applicant, state, decision, collective,
                 repeated, redirected_to, term, open_due)
) WITHOUT ROWID;

CREATE TABLE card_month (
    body_id INTEGER NOT NULL,
    month TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (body_id, month)
) WITHOUT ROWID;

-- One card counted in (n = 1) or out (n = -1) of its row: the triggers below write here and
-- this one trigger turns a card into its row, so the rule is written once.
CREATE VIEW card_tally_delta AS
SELECT 0 AS body_id, 0 AS received_at, '' AS kind, '' AS channel, 0 AS applicant_id,
       '' AS state, '' AS decision, 0 AS collective, 0 AS main_card_id,
       0 AS redirected_to_body_id, 0 AS closed_at, 0 AS due, 0 AS n
WHERE 0;

CREATE TRIGGER card_tally_delta_add INSTEAD OF INSERT ON card_tally_delta
BEGIN
    INSERT INTO card_month (body_id, month, n)
    SELECT NEW.body_id,
           strftime('%Y-%m', NEW.received_at / 1000000
               + COALESCE((SELECT z.offset_s FROM tally_zone z WHERE z.since <= NEW.received_at
                           ORDER BY z.since DESC LIMIT 1), 0), 'unixepoch'),
           NEW.n
    WHERE 1
    ON CONFLICT (body_id, month) DO UPDATE SET n = n + excluded.n;
    INSERT INTO card_tally (body_id, year, kind, channel, applicant, state, decision, collective,
                            repeated, redirected_to, term, open_due, n)
    SELECT NEW.body_id,
           strftime('%Y', NEW.received_at / 1000000
               + COALESCE((SELECT z.offset_s FROM tally_zone z WHERE z.since <= NEW.received_at
                           ORDER BY z.since DESC LIMIT 1), 0), 'unixepoch'),
           NEW.kind, NEW.channel,
           COALESCE((SELECT a.kind FROM applicant a WHERE a.id = NEW.applicant_id), 'individual'),
           NEW.state, COALESCE(NEW.decision, ''), NEW.collective,
           CASE WHEN NEW.main_card_id IS NULL THEN 0 ELSE 1 END,
           COALESCE(NEW.redirected_to_body_id, 0),
           CASE WHEN NEW.due IS NULL THEN 0 WHEN NEW.closed_at IS NULL THEN 3
                WHEN NEW.closed_at <= NEW.due THEN 1 ELSE 2 END,
           CASE WHEN NEW.due IS NOT NULL AND NEW.closed_at IS NULL THEN NEW.due ELSE 0 END,
           NEW.n
    WHERE 1
    ON CONFLICT (body_id, year, kind, channel, applicant, state, decision, collective,
                 repeated, redirected_to, term, open_due)
    DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER card_tally_insert AFTER INSERT ON card
BEGIN
    INSERT INTO card_tally_delta VALUES (NEW.body_id, NEW.received_at, NEW.kind, NEW.channel,
        NEW.applicant_id, NEW.state, NEW.decision, NEW.collective, NEW.main_card_id,
        NEW.redirected_to_body_id, NEW.closed_at,
        (SELECT d.due_at FROM card_deadline d WHERE d.card_id = NEW.id AND d.key = 'answer'), 1);
END;

CREATE TRIGGER card_tally_update AFTER UPDATE OF body_id, received_at, kind, channel,
    applicant_id, state, decision, collective, main_card_id, redirected_to_body_id, closed_at
ON card
WHEN NEW.body_id IS NOT OLD.body_id OR NEW.received_at IS NOT OLD.received_at
  OR NEW.kind IS NOT OLD.kind OR NEW.channel IS NOT OLD.channel
  OR NEW.applicant_id IS NOT OLD.applicant_id OR NEW.state IS NOT OLD.state
  OR NEW.decision IS NOT OLD.decision OR NEW.collective IS NOT OLD.collective
  OR NEW.main_card_id IS NOT OLD.main_card_id
  OR NEW.redirected_to_body_id IS NOT OLD.redirected_to_body_id
  OR NEW.closed_at IS NOT OLD.closed_at
BEGIN
    INSERT INTO card_tally_delta VALUES (OLD.body_id, OLD.received_at, OLD.kind, OLD.channel,
        OLD.applicant_id, OLD.state, OLD.decision, OLD.collective, OLD.main_card_id,
        OLD.redirected_to_body_id, OLD.closed_at,
        (SELECT d.due_at FROM card_deadline d WHERE d.card_id = OLD.id AND d.key = 'answer'), -1);
    INSERT INTO card_tally_delta VALUES (NEW.body_id, NEW.received_at, NEW.kind, NEW.channel,
        NEW.applicant_id, NEW.state, NEW.decision, NEW.collective, NEW.main_card_id,
        NEW.redirected_to_body_id, NEW.closed_at,
        (SELECT d.due_at FROM card_deadline d WHERE d.card_id = NEW.id AND d.key = 'answer'), 1);
END;

CREATE TRIGGER card_tally_delete AFTER DELETE ON card
BEGIN
    INSERT INTO card_tally_delta VALUES (OLD.body_id, OLD.received_at, OLD.kind, OLD.channel,
        OLD.applicant_id, OLD.state, OLD.decision, OLD.collective, OLD.main_card_id,
        OLD.redirected_to_body_id, OLD.closed_at,
        (SELECT d.due_at FROM card_deadline d WHERE d.card_id = OLD.id AND d.key = 'answer'), -1);
END;

-- A card's answer term set, moved or removed moves the card from one term row to another.
CREATE TRIGGER card_tally_term_insert AFTER INSERT ON card_deadline
WHEN NEW.key = 'answer'
BEGIN
    INSERT INTO card_tally_delta SELECT body_id, received_at, kind, channel, applicant_id, state,
        decision, collective, main_card_id, redirected_to_body_id, closed_at, NULL, -1
        FROM card WHERE id = NEW.card_id;
    INSERT INTO card_tally_delta SELECT body_id, received_at, kind, channel, applicant_id, state,
        decision, collective, main_card_id, redirected_to_body_id, closed_at, NEW.due_at, 1
        FROM card WHERE id = NEW.card_id;
END;

CREATE TRIGGER card_tally_term_update AFTER UPDATE OF due_at, key, card_id ON card_deadline
WHEN (OLD.key = 'answer' OR NEW.key = 'answer')
  AND (NEW.due_at IS NOT OLD.due_at OR NEW.key IS NOT OLD.key OR NEW.card_id IS NOT OLD.card_id)
BEGIN
    INSERT INTO card_tally_delta SELECT body_id, received_at, kind, channel, applicant_id, state,
        decision, collective, main_card_id, redirected_to_body_id, closed_at, OLD.due_at, -1
        FROM card WHERE id = OLD.card_id AND OLD.key = 'answer';
    INSERT INTO card_tally_delta SELECT body_id, received_at, kind, channel, applicant_id, state,
        decision, collective, main_card_id, redirected_to_body_id, closed_at, NULL, 1
        FROM card WHERE id = OLD.card_id AND OLD.key = 'answer';
    INSERT INTO card_tally_delta SELECT body_id, received_at, kind, channel, applicant_id, state,
        decision, collective, main_card_id, redirected_to_body_id, closed_at, NULL, -1
        FROM card WHERE id = NEW.card_id AND NEW.key = 'answer';
    INSERT INTO card_tally_delta SELECT body_id, received_at, kind, channel, applicant_id, state,
        decision, collective, main_card_id, redirected_to_body_id, closed_at, NEW.due_at, 1
        FROM card WHERE id = NEW.card_id AND NEW.key = 'answer';
END;

CREATE TRIGGER card_tally_term_delete AFTER DELETE ON card_deadline
WHEN OLD.key = 'answer'
BEGIN
    INSERT INTO card_tally_delta SELECT body_id, received_at, kind, channel, applicant_id, state,
        decision, collective, main_card_id, redirected_to_body_id, closed_at, OLD.due_at, -1
        FROM card WHERE id = OLD.card_id;
    INSERT INTO card_tally_delta SELECT body_id, received_at, kind, channel, applicant_id, state,
        decision, collective, main_card_id, redirected_to_body_id, closed_at, NULL, 1
        FROM card WHERE id = OLD.card_id;
END;

-- The cards already there, counted in UTC months until the application gives the zone.
INSERT INTO card_tally_delta
SELECT c.body_id, c.received_at, c.kind, c.channel, c.applicant_id, c.state, c.decision,
       c.collective, c.main_card_id, c.redirected_to_body_id, c.closed_at, d.due_at, 1
FROM card c LEFT JOIN card_deadline d ON d.card_id = c.id AND d.key = 'answer';

-- The dashboard's median time to answer reads only the answered cards' three figures.
CREATE INDEX card_answered ON card(body_id, closed_at, received_at)
WHERE state IN ('answered', 'archived') AND redirected_to_body_id IS NULL;
