-- Reception by videoconference (VC-01 … VC-20): quarterly schedules, their slots, and the
-- applicants' bookings.

-- VC-05, VC-06: one schedule per body and quarter, drafted, approved by the first head, agreed
-- and published by the authorized body. Moments in microseconds since the epoch (UTC).
CREATE TABLE reception_schedule (
    id INTEGER PRIMARY KEY,
    body_id INTEGER NOT NULL REFERENCES body(id),
    year INTEGER NOT NULL,
    quarter INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    state TEXT NOT NULL CHECK (state IN ('draft', 'approved', 'agreed', 'published')),
    drafted_by INTEGER REFERENCES staff(id),
    approved_by INTEGER REFERENCES staff(id),
    approved_at INTEGER,
    -- VC-06: when it reached the authorized body (set when agreed), judged against due_on.
    sent_at INTEGER,
    agreed_by INTEGER REFERENCES staff(id),
    published_at INTEGER,
    due_on TEXT,
    UNIQUE (body_id, year, quarter)
);

-- A reception slot: the official receiving, the local start, the length, and whether the time
-- is allotted to VKS. Times are local wall-clock (`YYYY-MM-DDTHH:MM`) in the body's zone.
CREATE TABLE reception_slot (
    id INTEGER PRIMARY KEY,
    schedule_id INTEGER NOT NULL REFERENCES reception_schedule(id),
    official_id INTEGER NOT NULL REFERENCES official(id),
    starts TEXT NOT NULL,
    minutes INTEGER NOT NULL,
    vks BOOLEAN NOT NULL
);
CREATE INDEX reception_slot_schedule ON reception_slot(schedule_id, starts);

-- VC-02, VC-03: a booked slot with the request's card. A slot has at most one live booking:
-- the partial unique index decides between simultaneous bookings, on every node.
CREATE TABLE vks_booking (
    id INTEGER PRIMARY KEY,
    slot_id INTEGER NOT NULL REFERENCES reception_slot(id),
    card_id INTEGER NOT NULL REFERENCES card(id),
    applicant_id INTEGER NOT NULL REFERENCES applicant(id),
    branch_id INTEGER NOT NULL REFERENCES branch(id),
    form TEXT NOT NULL,
    cancelled BOOLEAN NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX vks_booking_live_slot ON vks_booking(slot_id) WHERE NOT cancelled;
CREATE INDEX vks_booking_card ON vks_booking(card_id);
