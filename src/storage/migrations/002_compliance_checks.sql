-- The compliance decision log: every dial decision with the rule that blocked it, if any.

CREATE TABLE compliance_checks (
  id              bigserial PRIMARY KEY,
  tenant_id       bigint NOT NULL REFERENCES tenants (id),
  campaign_id     bigint,
  lead_id         bigint,
  attempt_id      bigint,
  allowed         boolean NOT NULL,
  block_reason    text NOT NULL DEFAULT '',
  checks          jsonb NOT NULL DEFAULT '{}',
  next_allowed_at timestamptz,
  decided_at      timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id),
  FOREIGN KEY (tenant_id, lead_id) REFERENCES leads (tenant_id, id),
  FOREIGN KEY (tenant_id, attempt_id) REFERENCES call_attempts (tenant_id, id)
);
CREATE INDEX compliance_checks_campaign_blocked
  ON compliance_checks (campaign_id, block_reason) WHERE NOT allowed;
CREATE INDEX compliance_checks_lead ON compliance_checks (lead_id, decided_at);
