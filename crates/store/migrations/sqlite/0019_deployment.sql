-- The deployment itself: who runs it and whether the database holds the demo data set. One
-- row, written by `otinish init` (with the first administrator) or by the demo loader.
CREATE TABLE deployment (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name_kk TEXT NOT NULL,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL,
    bin TEXT,
    demo BOOLEAN NOT NULL,
    created_at INTEGER NOT NULL
);
