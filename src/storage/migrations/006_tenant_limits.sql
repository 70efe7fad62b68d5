-- Tenant-wide limits shared by every campaign of a tenant (NULL: no limit): lines in use at
-- once, and money spent per UTC calendar month.
ALTER TABLE tenants
  ADD COLUMN max_concurrent_calls integer CHECK (max_concurrent_calls > 0),
  ADD COLUMN monthly_budget_cents bigint CHECK (monthly_budget_cents >= 0);

CREATE INDEX calls_tenant_ended ON calls (tenant_id, ended_at);
