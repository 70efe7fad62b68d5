#pragma once

// Private to the storage library. Inside a group transaction (database::transact_group) the
// call-progress writes of many jobs (registrations, steps, closes, transcript turns) are held
// back and sent
// together, as a few statements over arrays instead of two to four statements each. Any other
// statement of the group sends what is held first (run() in statement.hpp), and so does the commit,
// so the group's effects are exactly those of writing each step where it was made.

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include "core/domain.hpp"
#include "core/lead_outcome.hpp"
#include "storage/dial_journal.hpp"

namespace pqxx {
class transaction_base;
}  // namespace pqxx

namespace dialer::storage {

/// One record_call_progress held back.
struct held_step {
  id_t tenant_id = 0;
  id_t attempt_id = 0;
  attempt_state state = attempt_state::planned;
  disposition outcome = disposition::none;
  provider_call call;
  id_t applied_inbox_id = 0;
};

/// One journal_registered held back.
struct held_registration {
  id_t tenant_id = 0;
  id_t attempt_id = 0;
  std::string provider_call_id;
};

/// One close_attempt held back.
struct held_close {
  id_t tenant_id = 0;
  id_t attempt_id = 0;
  attempt_state final_state = attempt_state::ended;
  disposition outcome = disposition::none;
  std::string error;
  lead_next_step next;
};

/// A held registration, step or close: an attempt's are written in the order held.
using held_change = std::variant<held_registration, held_step, held_close>;

/// One store_segments held back.
struct held_segments {
  id_t tenant_id = 0;
  id_t attempt_id = 0;
  std::vector<segment_row> segments;
};

/// Sending what was held failed: the group is run again with every write sent where it is
/// made, so that the job at fault is found. Not a std::exception, so no storage wrapper on the
/// way turns it into an ordinary statement error.
struct held_writes_failed {};

/// The writes held back by one group transaction, in the order they were made.
class held_writes {
 public:
  void hold(held_registration r) { changes_.emplace_back(std::move(r)); }
  void hold(held_step step) { changes_.emplace_back(std::move(step)); }
  void hold(held_close close) { changes_.emplace_back(std::move(close)); }
  void hold(held_segments s) { segments_.push_back(std::move(s)); }
  bool empty() const { return changes_.empty() && segments_.empty(); }
  /// True once a send failed: the group must run again without holding.
  bool failed() const { return failed_; }
  /// Forgets everything (a group starting again).
  void clear();
  /// Sends everything held in `tx` and forgets it; throws held_writes_failed on any error.
  void send(pqxx::transaction_base& tx);

 private:
  std::vector<held_change> changes_;
  std::vector<held_segments> segments_;
  bool failed_ = false;
};

/// The held writes of the group this thread runs, or nullptr when writes go at once.
held_writes* group_held_writes();

/// Makes `held` this thread's held writes for its lifetime (nullptr: none).
class holding_scope {
 public:
  explicit holding_scope(held_writes* held);
  ~holding_scope();
  holding_scope(const holding_scope&) = delete;
  holding_scope& operator=(const holding_scope&) = delete;

 private:
  held_writes* previous_;
};

/// Writes held steps, closes and segments in `tx` with a few statements (dial_journal.cpp),
/// with the effects of writing each where it was made, in order.
void write_held(pqxx::transaction_base& tx, const std::vector<held_change>& changes,
                const std::vector<held_segments>& segments);

}  // namespace dialer::storage
