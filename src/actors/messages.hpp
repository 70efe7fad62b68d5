#pragma once

// Message types and atoms exchanged by the engine's actors. Included only by actor code.

#include <caf/all.hpp>

#include <memory>
#include <optional>
#include <vector>

#include "core/compliance_policy.hpp"
#include "core/domain.hpp"
#include "core/provider_account.hpp"
#include "core/tenant_allowance.hpp"
#include "storage/rows.hpp"

namespace dialer::actors {

using dial_atom = caf::atom_constant<caf::atom("dial")>;
using dial_result_atom = caf::atom_constant<caf::atom("dialres")>;
using webhook_atom = caf::atom_constant<caf::atom("webhook")>;
/// A verified webhook, not yet committed, says a call ended: its line may go back now.
using ending_atom = caf::atom_constant<caf::atom("ending")>;
using orphan_atom = caf::atom_constant<caf::atom("orphan")>;
using adopt_atom = caf::atom_constant<caf::atom("adopt")>;
using register_atom = caf::atom_constant<caf::atom("register")>;
using unregister_atom = caf::atom_constant<caf::atom("unregist")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using plan_atom = caf::atom_constant<caf::atom("plan")>;
using candidates_atom = caf::atom_constant<caf::atom("cands")>;
using journaled_atom = caf::atom_constant<caf::atom("journaled")>;
using call_done_atom = caf::atom_constant<caf::atom("calldone")>;
/// A call no longer uses its provider line (its close is on its way to the journal).
using slot_free_atom = caf::atom_constant<caf::atom("slotfree")>;
using open_count_atom = caf::atom_constant<caf::atom("opencount")>;
using wake_atom = caf::atom_constant<caf::atom("wake")>;
using job_done_atom = caf::atom_constant<caf::atom("jobdone")>;
using pump_atom = caf::atom_constant<caf::atom("pump")>;
using grace_atom = caf::atom_constant<caf::atom("grace")>;
using finished_atom = caf::atom_constant<caf::atom("finished")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using sync_atom = caf::atom_constant<caf::atom("sync")>;
using line_freed_atom = caf::atom_constant<caf::atom("linefreed")>;
using lookup_atom = caf::atom_constant<caf::atom("lookup")>;
using follow_atom = caf::atom_constant<caf::atom("follow")>;
using watchdog_atom = caf::atom_constant<caf::atom("watchdog")>;
using synced_atom = caf::atom_constant<caf::atom("synced")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using gateway_atom = caf::atom_constant<caf::atom("gateway")>;
using account_atom = caf::atom_constant<caf::atom("account")>;
using account_changed_atom = caf::atom_constant<caf::atom("acctchg")>;
using account_loaded_atom = caf::atom_constant<caf::atom("acctload")>;
using resolve_atom = caf::atom_constant<caf::atom("resolve")>;
using lines_atom = caf::atom_constant<caf::atom("lines")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using take_atom = caf::atom_constant<caf::atom("take")>;
using limits_atom = caf::atom_constant<caf::atom("limits")>;
using lines_free_atom = caf::atom_constant<caf::atom("linesfree")>;
using tenant_atom = caf::atom_constant<caf::atom("tenant")>;
using line_taken_atom = caf::atom_constant<caf::atom("linetaken")>;
using concurrency_atom = caf::atom_constant<caf::atom("concur")>;
using lookup_answer_atom = caf::atom_constant<caf::atom("lookupans")>;
using lookup_retry_atom = caf::atom_constant<caf::atom("lookupre")>;
/// The tenant's DNC list grew or its rules changed: campaigns withdraw their standby dials.
using recheck_atom = caf::atom_constant<caf::atom("recheck")>;
/// A campaign's rule book, compiled again.
using rules_atom = caf::atom_constant<caf::atom("rules")>;
/// A campaign's standby was taken out of the engine's book by someone else and withdrawn.
using taken_atom = caf::atom_constant<caf::atom("taken")>;

/// A user's command reached a campaign (its new status is already committed).
struct campaign_update {
  id_t tenant_id = 0;
  id_t campaign_id = 0;
  campaign_status status = campaign_status::draft;
};

/// What the provider answered to create-phone-call.
struct dial_result {
  unsigned status = 0;
  bool retryable = false;
  /// A refused create (429): how long the gateway holds creates (the provider's Retry-After,
  /// capped, else a backoff); the lead waits as long before it is dialled again.
  std::optional<std::int64_t> retry_after_ms;
  std::string error;
  std::optional<provider_call> call;
};

/// What the provider says about an attempt followed again (get-call or list-calls by
/// attempt id). `answered` is false when the provider could not be asked.
struct sync_result {
  bool answered = false;
  std::optional<provider_call> call;  ///< nullopt with answered: the provider has no such call
  std::string error;
};

/// What the provider answered to get-concurrency (inside a gateway).
struct concurrency_answer {
  std::uint64_t generation = 0;  ///< the account settings the request was made with
  unsigned status = 0;
  std::int64_t limit = 0;  ///< concurrency_limit
  std::optional<std::int64_t> retry_after_ms;
  std::string error;
};

/// What the provider answered to one get-call or list-calls (inside a gateway).
struct lookup_answer {
  std::uint64_t lookup_id = 0;
  unsigned status = 0;
  std::optional<std::int64_t> retry_after_ms;
  sync_result result;
};

/// A verified webhook that is durably stored in the inbox and must be applied once.
struct inbound_webhook {
  id_t inbox_id = 0;
  id_t tenant_id = 0;
  id_t attempt_id = 0;
  webhook_event event;
};

/// The journal's answer about an attempt no actor follows right now.
struct orphan_lookup {
  std::optional<storage::attempt_row> attempt;
  inbound_webhook webhook;
};

/// A campaign's plan and the attempts it must follow again after a (re)start.
struct plan_loaded {
  std::optional<campaign_plan> plan;
  std::vector<storage::attempt_row> open;
  /// The campaign's compliance rules, compiled with the tenant's overrides.
  std::shared_ptr<const campaign_rule_book> rules;
  /// The tenant's rule version they were compiled at (rule_version_book).
  std::uint64_t rules_version = 0;
  /// When the campaign dialled during the last day (rate caps survive a restart).
  std::vector<epoch_ms> recent_dials;
};

/// A campaign's rule book compiled again after its tenant's rules changed.
struct rules_loaded {
  std::shared_ptr<const campaign_rule_book> rules;  ///< null when the store failed
  std::uint64_t version = 0;                        ///< the tenant's rule version it was compiled at
};

/// The next leads due for dialling and when the earliest not-yet-due one opens.
struct candidates_batch {
  std::vector<dial_candidate> leads;
  std::optional<epoch_ms> earliest_pending;
  bool more = false;  ///< the batch was full: more leads may be due
};

/// The outcome of journal_dialing for one lead.
struct journal_result {
  id_t lead_id = 0;
  std::optional<dial_attempt> attempt;
  /// The journal write failed, yet the attempt is open in the journal (its commit happened
  /// after all): no create may go out for it; it is followed as in doubt.
  bool in_doubt = false;
  /// The compliance check that blocked the lead (dnc, consent, quiet_hours ...); empty when
  /// the lead was dialled or no longer pending.
  std::string blocked_check;
  /// The finer block reason (outside_calling_hours, consent_denied ...).
  std::string block_reason;
  /// Journalled ahead of a free line: the campaign keeps it until a line frees.
  bool standby = false;
  /// The facts the dial was decided on (kept with a standby, to decide again when it fires).
  dial_subject subject;
};

/// A call actor's final word to its campaign: the line is free again.
struct call_report {
  id_t attempt_id = 0;
  id_t lead_id = 0;
  disposition outcome = disposition::none;
  /// What the provider charged, when it said.
  std::optional<std::int64_t> cost_cents;
};

/// A tenant's provider settings as the store has them now (nullopt: the platform account).
struct account_settings_loaded {
  id_t tenant_id = 0;
  std::uint64_t generation = 0;  ///< which load of the registry this answers
  std::optional<provider_account> own;
};

/// Whether a campaign still has open leads and when the next one is due.
struct open_leads {
  std::int64_t open = 0;
  std::optional<epoch_ms> earliest_pending;
};

}  // namespace dialer::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::actors::campaign_update)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::actors::dial_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::actors::sync_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::actors::concurrency_answer)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::actors::lookup_answer)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::actors::inbound_webhook)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::actors::orphan_lookup)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::actors::plan_loaded)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::actors::candidates_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::actors::journal_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::actors::rules_loaded)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::actors::call_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::actors::open_leads)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::actors::account_settings_loaded)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::provider_account)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::line_grant)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::tenant_standing)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::dial_attempt)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::campaign_plan)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dialer::storage::attempt_row)
