-- 006_guard: the major operations the customer pre-approved in writing for
-- an approval (remgatectl approve --allow-op NAME), space-separated rule
-- names of the command guard's policy (docs/policy.md). NULL: none.

ALTER TABLE approvals ADD COLUMN allow_ops TEXT;
