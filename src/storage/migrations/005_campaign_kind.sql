-- POST /calls/outbound: one call now, made as a one-lead campaign of kind 'outbound', which the
-- campaign lists leave out.

ALTER TABLE campaigns ADD COLUMN kind text NOT NULL DEFAULT 'campaign'
  CHECK (kind IN ('campaign', 'outbound'));

-- GET /campaigns lists only kind 'campaign', by status, newest first.
DROP INDEX campaigns_tenant_status;
CREATE INDEX campaigns_tenant_kind_status ON campaigns (tenant_id, kind, status, id DESC);
