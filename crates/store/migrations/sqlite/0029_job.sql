-- Background jobs: work a change causes that need not be done before its answer (delivering a
-- notice by email or SMS, today). A job is inserted in the transaction of the change that
-- causes it; workers lease due jobs (lease_until, leased_by), count each try (attempts), set
-- the next try back (run_after) when one fails, and after max_attempts leave the job dead for
-- the deployment's administrator, who sends it again or dismisses it. A done job is deleted:
-- the change it served keeps the record (a notice its delivery time).
CREATE TABLE job (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('ready', 'running', 'dead')),
    run_after INTEGER NOT NULL,
    lease_until INTEGER,
    leased_by TEXT,
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts INTEGER NOT NULL CHECK (max_attempts > 0),
    last_error TEXT,
    created_at INTEGER NOT NULL,
    dismissed_at INTEGER
);
-- Due jobs are claimed from here: ready ones by run_after, running ones whose lease ended.
CREATE INDEX job_due ON job(state, run_after);

-- A notice sent by email or SMS names the job delivering it; the notice keeps what the
-- applicant and the card show (pending, delivered, failed, dead), the job the schedule.
ALTER TABLE notice ADD COLUMN job_id INTEGER;

-- Notices waiting for delivery become jobs, with the tries they have had.
INSERT INTO job (kind, payload, state, run_after, attempts, max_attempts, last_error, created_at, dismissed_at)
SELECT 'notice', '{"notice":' || id || '}', CASE WHEN status = 'dead' THEN 'dead' ELSE 'ready' END,
       next_attempt_at, attempts, 8, last_error, created_at, dismissed_at
FROM notice
WHERE channel IN ('email', 'sms') AND status IN ('pending', 'sending', 'failed', 'dead');
UPDATE notice SET job_id = (
    SELECT job.id FROM job WHERE job.kind = 'notice' AND job.payload = '{"notice":' || notice.id || '}'
) WHERE channel IN ('email', 'sms') AND status IN ('pending', 'sending', 'failed', 'dead');
UPDATE notice SET status = 'pending' WHERE status = 'sending';
DROP INDEX notice_due;
