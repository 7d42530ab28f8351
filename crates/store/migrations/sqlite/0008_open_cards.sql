-- Recomputing open cases after a calendar edit walks the open cards in id order; this index
-- lets it read only those, not every card ever received.
CREATE INDEX card_state_id ON card(state, id);
