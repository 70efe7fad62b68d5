-- The tenant's do-not-call list, its overrides of the country rules, and what the dial
-- decision reads about a number's history.

CREATE TABLE dnc_numbers (
  id         bigserial PRIMARY KEY,
  tenant_id  bigint NOT NULL REFERENCES tenants (id),
  phone      text NOT NULL,
  reason     text NOT NULL DEFAULT '',
  -- 'manual', 'import', 'api' or 'refusal' (the number's owner refused on a call).
  source     text NOT NULL DEFAULT 'manual',
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, phone),
  UNIQUE (tenant_id, id)
);

CREATE TABLE compliance_rule_overrides (
  tenant_id   bigint NOT NULL REFERENCES tenants (id),
  country_iso text NOT NULL CHECK (country_iso ~ '^[A-Z]{2}$'),
  rule        jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, country_iso)
);

-- The check that blocked a dial (dnc, consent, attempts, quiet_hours ...), next to the finer
-- block_reason, for the campaign stats.
ALTER TABLE compliance_checks ADD COLUMN blocked_check text NOT NULL DEFAULT '';

-- Attempts to one number across a tenant's campaigns, for the rolling attempt cap.
CREATE INDEX call_attempts_tenant_number ON call_attempts (tenant_id, to_number, dialing_at);
