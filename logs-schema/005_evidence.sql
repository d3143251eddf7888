-- 005_evidence: the fault's reported time as the customer's administrator
-- recorded it on the approval (remgatectl approve --reported-at), so a
-- report's handling time does not rest on the engineer's word.

ALTER TABLE approvals ADD COLUMN reported_at INTEGER;
