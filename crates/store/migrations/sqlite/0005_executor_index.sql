-- Registration picks the least-loaded executor by counting each one's open cards; without
-- this index that count reads every card of the body.
CREATE INDEX card_executor_state ON card(executor_id, state);
