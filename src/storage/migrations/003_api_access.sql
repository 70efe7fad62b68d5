-- API access: user roles (admin, user, viewer), hashed API keys, and one lead per phone
-- number per campaign (what bulk imports deduplicate on).

-- Roles: 'member' becomes 'user'; is_admin stays as the JWT's claim and must agree with role.
ALTER TABLE users DROP CONSTRAINT users_role_check;
UPDATE users SET role = CASE WHEN is_admin THEN 'admin' ELSE 'user' END;
ALTER TABLE users ALTER COLUMN role SET DEFAULT 'user';
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'user', 'viewer'));
ALTER TABLE users ADD CONSTRAINT users_admin_role CHECK (is_admin = (role = 'admin'));

-- An API key is shown once at creation; only the SHA-256 of the whole key is kept.
CREATE TABLE api_keys (
  id         bigserial PRIMARY KEY,
  tenant_id  bigint NOT NULL REFERENCES tenants (id),
  created_by bigint NOT NULL,
  name       text NOT NULL DEFAULT '',
  role       text NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'user', 'viewer')),
  key_prefix text NOT NULL,
  key_sha256 text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
);

-- A phone number is a lead once per campaign (and once among a tenant's unassigned leads).
CREATE UNIQUE INDEX leads_campaign_phone_key
  ON leads (tenant_id, campaign_id, phone) NULLS NOT DISTINCT;
