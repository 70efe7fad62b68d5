-- A call's progress (state, disposition, timestamps) changes no indexed column of its attempt,
-- so PostgreSQL can store each step as a heap-only tuple: no new entry in any of the table's
-- indexes. The state indexes stood in the way; the queries that used them read the
-- campaign's attempts (campaign_id) or the open ones (call_attempts_unclosed) instead. Room
-- left in each page lets the new version of a row stay on its page, which HOT needs.
DROP INDEX call_attempts_state;
DROP INDEX call_attempts_campaign_state;
CREATE INDEX call_attempts_campaign ON call_attempts (campaign_id);
-- No query reads calls by creation time (lists and summaries go through call_attempts); each
-- call's row is written three times, and each non-HOT write touched this index too.
DROP INDEX calls_tenant_created;
ALTER TABLE call_attempts SET (fillfactor = 80);
ALTER TABLE calls SET (fillfactor = 80);
