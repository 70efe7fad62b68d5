-- Which stored webhooks are still to be applied: a narrow row stored with the event and deleted
-- by the transaction that applies it. Marking an event applied used to update its inbox row
-- (applied_at): a new version of a wide row (the body) and two index entries per event, since
-- the partial index on applied_at kept the update from being heap-only. Deleting a narrow row
-- only stamps it. The row is written by the statement that stores the event, so it names the
-- inbox row without a foreign key (a check would lock the inbox row once more per event); like
-- every tenant table it carries its tenant.
CREATE TABLE webhook_pending (
  id        bigint PRIMARY KEY,
  tenant_id bigint NOT NULL REFERENCES tenants (id)
);
INSERT INTO webhook_pending (id, tenant_id)
  SELECT id, tenant_id FROM webhook_events WHERE applied_at IS NULL;
DROP INDEX webhook_events_unapplied;
ALTER TABLE webhook_events DROP COLUMN applied_at;
