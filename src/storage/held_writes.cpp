#include "storage/held_writes.hpp"

#include "storage/statement.hpp"

namespace dialer::storage {
namespace {

/// The held writes of the group transaction this thread runs, if it holds any.
thread_local held_writes* group_held = nullptr;

}  // namespace

void held_writes::clear() {
  changes_.clear();
  segments_.clear();
  failed_ = false;
}

void held_writes::send(pqxx::transaction_base& tx) {
  if (empty()) return;
  if (failed_) throw held_writes_failed{};
  // Taken out first: the statements sent below go through run(), which must find nothing held.
  auto changes = std::move(changes_);
  auto segments = std::move(segments_);
  changes_.clear();
  segments_.clear();
  try {
    write_held(tx, changes, segments);
  } catch (...) {
    failed_ = true;
    throw held_writes_failed{};
  }
}

held_writes* group_held_writes() {
  return group_held;
}

holding_scope::holding_scope(held_writes* held) : previous_(group_held) {
  group_held = held;
}

holding_scope::~holding_scope() {
  group_held = previous_;
}

void send_held_writes(pqxx::transaction_base& tx) {
  if (group_held && !group_held->empty()) group_held->send(tx);
}

}  // namespace dialer::storage
