-- The cards of an applicant, found by index: the search index of every card of an applicant is
-- redone when the applicant's particulars change (0017), which happens when an appeal brings
-- new contacts. Without it that was a scan of every card, so filing got slower as cards
-- accumulated.
CREATE INDEX card_applicant ON card(applicant_id);
