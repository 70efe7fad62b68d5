-- Initial schema: tenants and their users, the catalog (agents, numbers), leads, campaigns,
-- the dial journal (call_attempts), calls and their transcript, and the webhook inbox.
-- Every tenant table carries tenant_id; children reference their parents through
-- (tenant_id, id) so a row can never point at another tenant's row.

-- Timestamps are served as ISO 8601 UTC with seconds precision.
CREATE FUNCTION iso_utc(ts timestamptz) RETURNS text
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
  AS $$ SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

-- Milliseconds since the Unix epoch to a timestamp and back.
CREATE FUNCTION ts_of_ms(ms bigint) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT to_timestamp(ms / 1000.0) $$;

CREATE FUNCTION ms_of_ts(ts timestamptz) RETURNS bigint
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
  AS $$ SELECT floor(extract(epoch FROM ts) * 1000)::bigint $$;

CREATE TABLE tenants (
  id              bigserial PRIMARY KEY,
  name            text NOT NULL,
  webhook_hook_id text NOT NULL UNIQUE DEFAULT replace(gen_random_uuid()::text, '-', ''),
  retell_api_key  text,
  retell_base_url text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id            bigserial PRIMARY KEY,
  tenant_id     bigint NOT NULL REFERENCES tenants (id),
  email         text NOT NULL,
  name          text NOT NULL DEFAULT '',
  password_hash text NOT NULL,
  password_salt text NOT NULL,
  is_admin      boolean NOT NULL DEFAULT false,
  role          text NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id)
);
CREATE UNIQUE INDEX users_email_ci_key ON users (lower(email));

CREATE TABLE agents (
  id              bigserial PRIMARY KEY,
  tenant_id       bigint NOT NULL REFERENCES tenants (id),
  name            text NOT NULL,
  retell_agent_id text NOT NULL,
  lang            text NOT NULL DEFAULT '',
  voice_id        text NOT NULL DEFAULT '',
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id)
);

CREATE TABLE phone_numbers (
  id               bigserial PRIMARY KEY,
  tenant_id        bigint NOT NULL REFERENCES tenants (id),
  e164             text NOT NULL,
  provider         text NOT NULL DEFAULT 'retell',
  country          text NOT NULL DEFAULT '',
  status           text NOT NULL DEFAULT 'active'
                   CHECK (status IN ('pending', 'active', 'suspended', 'released')),
  calls_per_second integer NOT NULL DEFAULT 1 CHECK (calls_per_second > 0),
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, e164),
  UNIQUE (tenant_id, id)
);

CREATE TABLE campaigns (
  id                      bigserial PRIMARY KEY,
  tenant_id               bigint NOT NULL REFERENCES tenants (id),
  name                    text NOT NULL,
  agent_id                bigint NOT NULL,
  from_number             text NOT NULL,
  timezone                text NOT NULL DEFAULT 'UTC',
  start_date              timestamptz,
  end_date                timestamptz,
  quiet_hours             jsonb NOT NULL DEFAULT '{}',
  max_concurrent_calls    integer NOT NULL DEFAULT 1 CHECK (max_concurrent_calls > 0),
  max_calls_per_hour      integer CHECK (max_calls_per_hour >= 0),
  max_calls_per_day       integer CHECK (max_calls_per_day >= 0),
  calls_per_second        integer NOT NULL DEFAULT 1 CHECK (calls_per_second > 0),
  budget_cents            bigint CHECK (budget_cents >= 0),
  est_cost_per_call_cents bigint NOT NULL DEFAULT 0 CHECK (est_cost_per_call_cents >= 0),
  max_attempts            integer NOT NULL DEFAULT 1 CHECK (max_attempts > 0),
  retry_no_answer_s       bigint NOT NULL DEFAULT 3600 CHECK (retry_no_answer_s >= 0),
  retry_busy_s            bigint NOT NULL DEFAULT 900 CHECK (retry_busy_s >= 0),
  retry_voicemail_s       bigint NOT NULL DEFAULT 7200 CHECK (retry_voicemail_s >= 0),
  retry_failed_s          bigint NOT NULL DEFAULT 1800 CHECK (retry_failed_s >= 0),
  lead_filters            jsonb NOT NULL DEFAULT '{}',
  exclude_dnc             boolean NOT NULL DEFAULT true,
  metadata                jsonb NOT NULL DEFAULT '{}',
  status                  text NOT NULL DEFAULT 'draft' CHECK (status IN
                          ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled')),
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, agent_id) REFERENCES agents (tenant_id, id)
);
CREATE INDEX campaigns_tenant_status ON campaigns (tenant_id, status, id DESC);
CREATE INDEX campaigns_status ON campaigns (status);

CREATE TABLE leads (
  id                   bigserial PRIMARY KEY,
  tenant_id            bigint NOT NULL REFERENCES tenants (id),
  campaign_id          bigint,
  name                 text NOT NULL DEFAULT '',
  phone                text NOT NULL,
  email                text NOT NULL DEFAULT '',
  company              text NOT NULL DEFAULT '',
  country_iso          text NOT NULL DEFAULT '',
  timezone             text NOT NULL DEFAULT '',
  nature               text NOT NULL DEFAULT 'unknown' CHECK (nature IN ('b2b', 'b2c', 'unknown')),
  consent_status       text NOT NULL DEFAULT 'unknown'
                       CHECK (consent_status IN ('granted', 'denied', 'unknown')),
  consent_basis        text NOT NULL DEFAULT '',
  quiet_hours_disabled boolean NOT NULL DEFAULT false,
  priority             integer NOT NULL DEFAULT 0,
  metadata             jsonb NOT NULL DEFAULT '{}',
  status               text NOT NULL DEFAULT 'pending' CHECK (status IN
                       ('pending', 'in_progress', 'completed', 'failed', 'cancelled')),
  attempts             integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at      timestamptz,
  last_disposition     text NOT NULL DEFAULT '',
  terminal_reason      text NOT NULL DEFAULT '',
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id)
);
-- The hopper's refill query: pending leads of a campaign by priority, then due time.
CREATE INDEX leads_dial_order
  ON leads (campaign_id, status, priority DESC, next_attempt_at NULLS FIRST, id);
CREATE INDEX leads_tenant_phone ON leads (tenant_id, phone);

CREATE TABLE call_attempts (
  id                bigserial PRIMARY KEY,
  tenant_id         bigint NOT NULL REFERENCES tenants (id),
  campaign_id       bigint,
  lead_id           bigint NOT NULL,
  attempt_no        integer NOT NULL CHECK (attempt_no > 0),
  state             text NOT NULL DEFAULT 'planned' CHECK (state IN
                    ('planned', 'dialing', 'registered', 'ongoing', 'ended', 'analyzed',
                     'failed', 'not_connected', 'in_doubt')),
  provider_call_id  text UNIQUE,
  provider_agent_id text NOT NULL DEFAULT '',
  from_number       text NOT NULL DEFAULT '',
  to_number         text NOT NULL DEFAULT '',
  disposition       text NOT NULL DEFAULT 'none',
  error             text NOT NULL DEFAULT '',
  created_at        timestamptz NOT NULL DEFAULT now(),
  dialing_at        timestamptz,
  registered_at     timestamptz,
  ongoing_at        timestamptz,
  ended_at          timestamptz,
  analyzed_at       timestamptz,
  in_doubt_at       timestamptz,
  -- Set once close_attempt applied the lead's next step: closing twice changes nothing.
  closed_at         timestamptz,
  -- False once closed as not counting (e.g. the provider refused before dialling): the lead
  -- got the attempt back, so its retry reuses this attempt_no.
  counts_as_attempt boolean NOT NULL DEFAULT true,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id),
  FOREIGN KEY (tenant_id, lead_id) REFERENCES leads (tenant_id, id)
);
-- attempt_no is the lead's counted attempts including this one: unique among those that count.
CREATE UNIQUE INDEX call_attempts_lead_attempt_no
  ON call_attempts (lead_id, attempt_no) WHERE counts_as_attempt;
CREATE INDEX call_attempts_lead ON call_attempts (lead_id);
CREATE INDEX call_attempts_state ON call_attempts (state);
-- A restarted campaign follows again every attempt not closed yet.
CREATE INDEX call_attempts_unclosed ON call_attempts (campaign_id, id) WHERE closed_at IS NULL;
CREATE INDEX call_attempts_campaign_state ON call_attempts (campaign_id, state);
CREATE INDEX call_attempts_tenant_created ON call_attempts (tenant_id, created_at DESC, id DESC);

CREATE TABLE calls (
  attempt_id           bigint PRIMARY KEY,
  tenant_id            bigint NOT NULL REFERENCES tenants (id),
  provider_status      text NOT NULL DEFAULT '',
  disconnection_reason text NOT NULL DEFAULT '',
  disposition          text NOT NULL DEFAULT 'none',
  started_at           timestamptz,
  ended_at             timestamptz,
  duration_ms          bigint,
  cost_cents           bigint,
  transcript           text NOT NULL DEFAULT '',
  summary              text NOT NULL DEFAULT '',
  sentiment            text NOT NULL DEFAULT '',
  recording_url        text NOT NULL DEFAULT '',
  in_voicemail         boolean,
  call_successful      boolean,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, attempt_id),
  FOREIGN KEY (tenant_id, attempt_id) REFERENCES call_attempts (tenant_id, id)
);
CREATE INDEX calls_tenant_created ON calls (tenant_id, created_at);

CREATE TABLE call_segments (
  tenant_id  bigint NOT NULL REFERENCES tenants (id),
  attempt_id bigint NOT NULL,
  seq        integer NOT NULL,
  role       text NOT NULL,
  content    text NOT NULL,
  PRIMARY KEY (attempt_id, seq),
  FOREIGN KEY (tenant_id, attempt_id) REFERENCES calls (tenant_id, attempt_id)
);

CREATE TABLE webhook_events (
  id               bigserial PRIMARY KEY,
  tenant_id        bigint NOT NULL REFERENCES tenants (id),
  attempt_id       bigint,
  provider_call_id text NOT NULL,
  event            text NOT NULL,
  body             text NOT NULL,
  received_at      timestamptz NOT NULL DEFAULT now(),
  applied_at       timestamptz,
  UNIQUE (provider_call_id, event),
  FOREIGN KEY (tenant_id, attempt_id) REFERENCES call_attempts (tenant_id, id)
);
-- Start-up replay reads only the events not yet applied.
CREATE INDEX webhook_events_unapplied ON webhook_events (id) WHERE applied_at IS NULL;
