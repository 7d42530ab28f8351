-- Full-text search over card summaries (Russian and Kazakh). The 'simple' configuration folds
-- case and does not stem: queries match word prefixes, which serves both languages alike.
ALTER TABLE card ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', summary)) STORED;
CREATE INDEX card_search ON card USING gin (search);
