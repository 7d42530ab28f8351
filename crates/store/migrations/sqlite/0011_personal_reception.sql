-- Personal reception and citizen reception centers (PR-01 … PR-15).

-- PR-01, PR-03, PR-04: a month's reception schedule. owner_body_id 0 is the government office's
-- schedule of citizen reception centers (approved by the Head of the Government Office);
-- otherwise a body's public reception office's own. Month is its first day (YYYY-MM-DD).
CREATE TABLE pr_schedule (
    id INTEGER PRIMARY KEY,
    owner_body_id INTEGER NOT NULL,
    month TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'approved', 'published')),
    drafted_by INTEGER NOT NULL REFERENCES staff(id),
    approved_by INTEGER REFERENCES staff(id),
    approved_at INTEGER,
    published_at INTEGER,
    UNIQUE (owner_body_id, month)
);

-- PR-04: the form's row (body, official, position, date and time, location, phone, email)
-- and the number of applicants the reception takes. starts is local wall-clock time.
CREATE TABLE pr_slot (
    id INTEGER PRIMARY KEY,
    schedule_id INTEGER NOT NULL REFERENCES pr_schedule(id),
    body_id INTEGER NOT NULL REFERENCES body(id),
    official_id INTEGER REFERENCES official(id),
    official_name TEXT NOT NULL,
    position TEXT NOT NULL,
    first_head INTEGER NOT NULL,
    starts TEXT NOT NULL,
    minutes INTEGER NOT NULL,
    location TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity > 0)
);
CREATE INDEX pr_slot_schedule ON pr_slot(schedule_id, starts);
CREATE INDEX pr_slot_body ON pr_slot(body_id, starts);

-- PR-02 … PR-13: a sign-up for personal reception, with its card (GEN-05).
CREATE TABLE pr_signup (
    card_id INTEGER PRIMARY KEY REFERENCES card(id),
    body_id INTEGER NOT NULL REFERENCES body(id),
    source TEXT NOT NULL,
    external_id TEXT UNIQUE,
    full_name TEXT NOT NULL,
    iin TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    citizenship TEXT NOT NULL,
    question TEXT NOT NULL,
    arrived_at INTEGER NOT NULL,
    accepted_at INTEGER NOT NULL,
    queued INTEGER NOT NULL,
    scan_key TEXT,
    taken_by INTEGER REFERENCES staff(id),
    signed_form TEXT,
    signature BLOB,
    state TEXT NOT NULL,
    responsible_id INTEGER REFERENCES staff(id),
    note TEXT,
    noted_at INTEGER,
    note_due TEXT,
    cleared_by INTEGER REFERENCES staff(id),
    cleared_at INTEGER,
    slot_id INTEGER REFERENCES pr_slot(id),
    notified_at INTEGER,
    outcome TEXT,
    outcome_text TEXT,
    closed_at INTEGER,
    survey_hash TEXT UNIQUE,
    rating INTEGER CHECK (rating BETWEEN 1 AND 5),
    survey_comment TEXT,
    surveyed_at INTEGER,
    phone_result TEXT,
    phone_at INTEGER
);
CREATE INDEX pr_signup_body ON pr_signup(body_id, state, accepted_at);
CREATE INDEX pr_signup_slot ON pr_signup(slot_id);
CREATE INDEX pr_signup_accepted ON pr_signup(accepted_at);

-- PR-12: requests for materials, binding on the body's units, as tasks with due dates.
CREATE TABLE pr_task (
    id INTEGER PRIMARY KEY,
    card_id INTEGER NOT NULL REFERENCES card(id),
    unit TEXT NOT NULL,
    assignee_id INTEGER NOT NULL REFERENCES staff(id),
    text TEXT NOT NULL,
    due_on TEXT NOT NULL,
    requested_by INTEGER NOT NULL REFERENCES staff(id),
    requested_at INTEGER NOT NULL,
    answer TEXT,
    answered_at INTEGER
);
CREATE INDEX pr_task_card ON pr_task(card_id);
CREATE INDEX pr_task_assignee ON pr_task(assignee_id, answered_at);

-- PR-07: participants of a reception day.
CREATE TABLE pr_participant (
    id INTEGER PRIMARY KEY,
    body_id INTEGER NOT NULL REFERENCES body(id),
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    organisation TEXT NOT NULL,
    card_id INTEGER REFERENCES card(id)
);
CREATE INDEX pr_participant_day ON pr_participant(body_id, day);
