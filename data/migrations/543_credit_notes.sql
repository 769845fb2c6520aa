-- 543_credit_notes.sql: how the platform derived a rating's inputs, in words (JSON object
-- {input: text_zh}), e.g. the exceedance rate per outlet: exceedance hours / hours of data. Shown
-- beside the indicator's score in the explanation; NULL for ratings run before it existed.
ALTER TABLE govern_credit_ratings ADD COLUMN notes TEXT;
