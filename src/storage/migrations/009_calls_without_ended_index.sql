-- calls_tenant_ended (migration 006) served no query: the month's spend is summed over
-- COALESCE(ended_at, created_at), which the index cannot bound, so the planner reads the
-- tenant's calls by the tenant_id prefix that calls_tenant_id_attempt_id_key has too. Its
-- ended_at column changes when a call ends, so that update of the calls row could never be
-- heap-only, and every non-HOT update of a call wrote one index entry more.
DROP INDEX calls_tenant_ended;
