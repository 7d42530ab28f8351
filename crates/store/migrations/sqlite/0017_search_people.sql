-- The staff search finds a card by its registration number (whole or in part), by the
-- applicant's IIN/BIN and name, and by words of its summary, ranked in that order. The index
-- keeps its own copy of three columns, refreshed by triggers wherever their sources change:
-- the card, the applicant, a personal-reception sign-up, a booth's video appeal.
DROP TRIGGER card_fts_insert;
DROP TRIGGER card_fts_delete;
DROP TRIGGER card_fts_update;
DROP TABLE card_fts;

-- What is searched for each card: the registration number's parts and its bare sequence
-- number; who applied (tax id, names) from wherever the channel keeps them; the summary.
CREATE VIEW card_search_doc AS
SELECT c.id AS id,
    CASE WHEN c.reg_seq IS NULL THEN ''
         ELSE b.code || ' ' || c.reg_year || ' ' || printf('%06d', c.reg_seq) || ' ' || c.reg_seq END AS reg,
    trim(
        COALESCE((SELECT a.tax_id || ' ' || COALESCE(json_extract(a.data, '$.surname'), '') || ' '
                  || COALESCE(json_extract(a.data, '$.name'), '') || ' '
                  || COALESCE(json_extract(a.data, '$.patronymic'), '') || ' '
                  || COALESCE(json_extract(a.data, '$.org_name'), '') || ' '
                  || COALESCE(json_extract(a.data, '$.signer_surname'), '') || ' '
                  || COALESCE(json_extract(a.data, '$.signer_name'), '')
                  FROM applicant a WHERE a.id = c.applicant_id), '') || ' ' ||
        COALESCE((SELECT s.iin || ' ' || s.full_name FROM pr_signup s WHERE s.card_id = c.id), '') || ' ' ||
        COALESCE((SELECT j.iin || ' ' || j.full_name FROM video_appeal v JOIN va_journal j ON j.id = v.journal_id
                  WHERE v.card_id = c.id), '')
    ) AS who,
    c.summary AS summary
FROM card c JOIN body b ON b.id = c.body_id;

CREATE VIRTUAL TABLE card_fts USING fts5(reg, who, summary, tokenize='unicode61');

CREATE TRIGGER card_fts_insert AFTER INSERT ON card BEGIN
    INSERT INTO card_fts(rowid, reg, who, summary) SELECT id, reg, who, summary FROM card_search_doc WHERE id = new.id;
END;
CREATE TRIGGER card_fts_update AFTER UPDATE OF summary, reg_year, reg_seq, applicant_id, body_id ON card BEGIN
    DELETE FROM card_fts WHERE rowid = old.id;
    INSERT INTO card_fts(rowid, reg, who, summary) SELECT id, reg, who, summary FROM card_search_doc WHERE id = new.id;
END;
CREATE TRIGGER card_fts_delete AFTER DELETE ON card BEGIN
    DELETE FROM card_fts WHERE rowid = old.id;
END;
CREATE TRIGGER card_fts_applicant AFTER UPDATE OF data ON applicant WHEN old.data IS NOT new.data BEGIN
    DELETE FROM card_fts WHERE rowid IN (SELECT id FROM card WHERE applicant_id = new.id);
    INSERT INTO card_fts(rowid, reg, who, summary)
        SELECT d.id, d.reg, d.who, d.summary FROM card_search_doc d JOIN card c ON c.id = d.id WHERE c.applicant_id = new.id;
END;
CREATE TRIGGER card_fts_pr_insert AFTER INSERT ON pr_signup BEGIN
    DELETE FROM card_fts WHERE rowid = new.card_id;
    INSERT INTO card_fts(rowid, reg, who, summary) SELECT id, reg, who, summary FROM card_search_doc WHERE id = new.card_id;
END;
CREATE TRIGGER card_fts_pr_update AFTER UPDATE OF full_name, iin ON pr_signup BEGIN
    DELETE FROM card_fts WHERE rowid = new.card_id;
    INSERT INTO card_fts(rowid, reg, who, summary) SELECT id, reg, who, summary FROM card_search_doc WHERE id = new.card_id;
END;
CREATE TRIGGER card_fts_video_appeal AFTER INSERT ON video_appeal BEGIN
    DELETE FROM card_fts WHERE rowid = new.card_id;
    INSERT INTO card_fts(rowid, reg, who, summary) SELECT id, reg, who, summary FROM card_search_doc WHERE id = new.card_id;
END;

INSERT INTO card_fts(rowid, reg, who, summary) SELECT id, reg, who, summary FROM card_search_doc;
