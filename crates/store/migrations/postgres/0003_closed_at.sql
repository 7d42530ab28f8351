-- When a card reached a closed state (answered, redirected, refused…): what form 1-OL needs
-- to tell terms kept from terms broken (EA-13).
ALTER TABLE card ADD COLUMN closed_at BIGINT;
CREATE INDEX card_body_received ON card(body_id, received_at);
