-- The staff search finds a card by its registration number (whole or in part), by the
-- applicant's IIN/BIN and name, and by words of its summary, ranked in that order (weights A,
-- B, D). The vector is kept by triggers wherever its sources change: the card, the applicant,
-- a personal-reception sign-up, a booth's video appeal.
DROP INDEX card_search;
ALTER TABLE card DROP COLUMN search;
ALTER TABLE card ADD COLUMN search tsvector;

-- What is searched for one card: the registration number's parts (spaces, not hyphens: the
-- parser would read `-000008` as a negative number) and its bare sequence number; who applied (tax id, names) from wherever the channel keeps them; the summary.
CREATE FUNCTION card_search_vector(p_id BIGINT, p_body BIGINT, p_year BIGINT, p_seq BIGINT,
                                   p_applicant BIGINT, p_summary TEXT) RETURNS tsvector
LANGUAGE sql STABLE AS $$
SELECT setweight(to_tsvector('simple', CASE WHEN p_seq IS NULL THEN '' ELSE
           (SELECT code FROM body WHERE id = p_body) || ' ' || p_year || ' ' || lpad(p_seq::text, 6, '0')
           || ' ' || p_seq END), 'A')
    || setweight(to_tsvector('simple', concat_ws(' ',
           (SELECT concat_ws(' ', a.tax_id, d->>'surname', d->>'name', d->>'patronymic', d->>'org_name',
                             d->>'signer_surname', d->>'signer_name')
              FROM applicant a, LATERAL (SELECT a.data::jsonb AS d) j WHERE a.id = p_applicant),
           (SELECT s.iin || ' ' || s.full_name FROM pr_signup s WHERE s.card_id = p_id),
           (SELECT jr.iin || ' ' || jr.full_name FROM video_appeal v JOIN va_journal jr ON jr.id = v.journal_id
             WHERE v.card_id = p_id))), 'B')
    || setweight(to_tsvector('simple', p_summary), 'D')
$$;

CREATE FUNCTION card_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search := card_search_vector(NEW.id, NEW.body_id, NEW.reg_year, NEW.reg_seq, NEW.applicant_id, NEW.summary);
    RETURN NEW;
END
$$;
CREATE TRIGGER card_search_refresh BEFORE INSERT OR UPDATE OF summary, reg_year, reg_seq, applicant_id, body_id, search
    ON card FOR EACH ROW EXECUTE FUNCTION card_search_refresh();

-- Setting `search` to NULL makes the card's trigger compute it afresh.
CREATE FUNCTION card_search_touch_applicant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE card SET search = NULL WHERE applicant_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER card_search_applicant AFTER UPDATE OF data ON applicant
    FOR EACH ROW WHEN (OLD.data IS DISTINCT FROM NEW.data) EXECUTE FUNCTION card_search_touch_applicant();

CREATE FUNCTION card_search_touch_card() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE card SET search = NULL WHERE id = NEW.card_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER card_search_pr AFTER INSERT OR UPDATE OF full_name, iin ON pr_signup
    FOR EACH ROW EXECUTE FUNCTION card_search_touch_card();
CREATE TRIGGER card_search_video_appeal AFTER INSERT ON video_appeal
    FOR EACH ROW EXECUTE FUNCTION card_search_touch_card();

UPDATE card SET search = NULL;
CREATE INDEX card_search ON card USING gin (search);
