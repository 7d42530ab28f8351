-- EA-16: planned outages and other announcements, shown on every portal page in their window.
CREATE TABLE announcement (
    id INTEGER PRIMARY KEY,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    text_kk TEXT NOT NULL,
    text_ru TEXT NOT NULL,
    text_en TEXT NOT NULL,
    CHECK (starts_at < ends_at)
);
CREATE INDEX announcement_window ON announcement(ends_at, starts_at);
