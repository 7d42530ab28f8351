-- Full-text search over card summaries (Russian and Kazakh): an FTS5 index over card.summary
-- kept in step by triggers. The unicode61 tokenizer splits on anything but letters and digits
-- and folds case for Cyrillic, including the Kazakh letters.
CREATE VIRTUAL TABLE card_fts USING fts5(summary, content='card', content_rowid='id', tokenize='unicode61');
CREATE TRIGGER card_fts_insert AFTER INSERT ON card BEGIN
    INSERT INTO card_fts(rowid, summary) VALUES (new.id, new.summary);
END;
CREATE TRIGGER card_fts_delete AFTER DELETE ON card BEGIN
    INSERT INTO card_fts(card_fts, rowid, summary) VALUES ('delete', old.id, old.summary);
END;
CREATE TRIGGER card_fts_update AFTER UPDATE OF summary ON card BEGIN
    INSERT INTO card_fts(card_fts, rowid, summary) VALUES ('delete', old.id, old.summary);
    INSERT INTO card_fts(rowid, summary) VALUES (new.id, new.summary);
END;
INSERT INTO card_fts(card_fts) VALUES ('rebuild');
