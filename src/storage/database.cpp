#include "storage/database.hpp"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <type_traits>
#include <vector>

#include "storage/held_writes.hpp"
#include "storage/migrations.hpp"
#include "storage/statement.hpp"

namespace dialer::storage {
namespace {

/// Advisory lock key that serialises migrate() across every process sharing the database.
constexpr std::int64_t migration_lock_key = 0x4449414c45524d47;  // "DIALERMG"

std::unique_ptr<pqxx::connection> connect(const std::string& url) {
  auto c = std::make_unique<pqxx::connection>(url);
  // ISO strings without an offset and date-only values are read as UTC on every session.
  pqxx::nontransaction session(*c);
  session.exec0("SET TIME ZONE 'UTC'");
  return c;
}

/// The group transaction the jobs of transact_group() run in on this thread, if any.
thread_local pqxx::dbtransaction* ambient_transaction = nullptr;

/// A job of a group failed: the group's transaction must be rolled back and run again.
struct group_job_failed {};

std::string describe(const pqxx::sql_error& e) {
  std::string message = "database statement failed";
  if (!e.sqlstate().empty()) message += " [" + e.sqlstate() + "]";
  return message + ": " + e.what();
}

/// The fixed set of sessions; a slot whose session broke is reconnected on its next use.
class connection_pool {
 public:
  connection_pool(std::string url, std::size_t size) : url_(std::move(url)) {
    if (size == 0) throw storage_error("database pool size must be at least 1");
    for (std::size_t i = 0; i < size; ++i) {
      connections_.push_back(connect(url_));
      idle_.push_back(i);
    }
  }

  /// Waits for an idle slot and takes it.
  std::size_t acquire() {
    std::unique_lock<std::mutex> lock(mutex_);
    returned_.wait(lock, [this] { return !idle_.empty(); });
    std::size_t slot = idle_.back();
    idle_.pop_back();
    return slot;
  }

  /// Gives a slot back to the pool.
  void release(std::size_t slot) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      idle_.push_back(slot);
    }
    returned_.notify_one();
  }

  /// The session of a slot held by the caller, connecting it first when it was dropped.
  pqxx::connection& session(std::size_t slot) {
    auto& c = connections_[slot];
    if (!c) c = connect(url_);
    return *c;
  }

  /// Forgets a slot's session (held by the caller) so its next use reconnects.
  void drop(std::size_t slot) noexcept { connections_[slot].reset(); }

  std::size_t size() const { return connections_.size(); }

 private:
  std::string url_;
  std::vector<std::unique_ptr<pqxx::connection>> connections_;
  std::vector<std::size_t> idle_;
  std::mutex mutex_;
  std::condition_variable returned_;
};

/// One slot of the pool, held for the lifetime of a transaction.
class lease {
 public:
  explicit lease(connection_pool& pool) : pool_(pool), slot_(pool.acquire()) {}
  ~lease() { pool_.release(slot_); }
  lease(const lease&) = delete;
  lease& operator=(const lease&) = delete;

  pqxx::connection& session() { return pool_.session(slot_); }
  void drop() noexcept { pool_.drop(slot_); }

 private:
  connection_pool& pool_;
  std::size_t slot_;
};

}  // namespace

struct database::impl {
  impl(std::string url, std::size_t size) : pool(std::move(url), size) {}
  connection_pool pool;
};

database::database(std::string url, std::size_t size) {
  try {
    impl_ = std::make_unique<impl>(std::move(url), size);
  } catch (const storage_error&) {
    throw;
  } catch (const std::exception& e) {
    throw storage_error(std::string("cannot connect to the database: ") + e.what());
  }
}

database::~database() = default;

namespace {

/// Runs `attempt` and turns what libpqxx throws into our errors; a broken connection before
/// any commit is tried once more (reconnecting) through `reconnect`.
template <class Attempt, class Reconnect>
void with_storage_errors(Attempt attempt, Reconnect reconnect) {
  for (int tries = 1;; ++tries) {
    try {
      attempt();
      return;
    } catch (const pqxx::in_doubt_error& e) {
      // The commit may or may not have happened: never run the work a second time.
      reconnect();
      throw storage_error(
          std::string("transaction outcome unknown (connection lost during commit): ") + e.what());
    } catch (const pqxx::broken_connection& e) {
      reconnect();
      if (tries == 1) continue;
      throw storage_error(std::string("database connection lost: ") + e.what());
    } catch (const pqxx::unique_violation& e) {
      throw conflict_error(describe(e));
    } catch (const storage_error&) {
      throw;
    } catch (const pqxx::sql_error& e) {
      throw storage_error(describe(e));
    } catch (const std::exception& e) {
      throw storage_error(std::string("database error: ") + e.what());
    }
  }
}

}  // namespace

namespace {

/// Runs `work` in the group's transaction when this thread runs a group job, else in a `Tx` of
/// its own on a pooled session, committed when `Tx` is a real transaction.
template <class Tx, class Work>
void run_in(connection_pool& pool, const Work& work) {
  if (ambient_transaction) {
    // Part of a group: its transaction and its commit are the group's.
    auto* tx = ambient_transaction;
    with_storage_errors([&] { work(*tx); }, [] {});
    return;
  }
  lease slot(pool);
  with_storage_errors(
      [&] {
        Tx tx(slot.session());
        work(tx);
        if constexpr (std::is_base_of_v<pqxx::dbtransaction, Tx>) tx.commit();
      },
      [&] { slot.drop(); });
}

}  // namespace

void database::transact(const std::function<void(pqxx::dbtransaction&)>& work) {
  run_in<pqxx::work>(impl_->pool, work);
}

bool database::in_group() {
  return ambient_transaction != nullptr;
}

void database::read(const std::function<void(pqxx::transaction_base&)>& work) {
  run_in<pqxx::nontransaction>(impl_->pool, work);
}

void database::write_alone(const std::function<void(pqxx::transaction_base&)>& work) {
  run_in<pqxx::nontransaction>(impl_->pool, work);
}

void database::transact_group(const std::vector<std::function<void()>>& jobs,
                              std::vector<std::exception_ptr>& errors) {
  errors.assign(jobs.size(), nullptr);
  lease slot(impl_->pool);
  // Call progress is held back and sent together (held_writes.hpp) unless sending it failed
  // once: the group then runs again with each write sent where it is made, to find the job at
  // fault.
  held_writes held;
  bool holding = true;
  for (;;) {
    bool failed_job = false;
    bool held_failed = false;
    with_storage_errors(
        [&] {
          failed_job = false;
          held_failed = false;
          held.clear();
          pqxx::work tx(slot.session());
          ambient_transaction = &tx;
          holding_scope scope(holding ? &held : nullptr);
          try {
            for (std::size_t i = 0; i < jobs.size(); ++i) {
              if (errors[i]) continue;
              try {
                jobs[i]();
              } catch (const held_writes_failed&) {
                throw;
              } catch (...) {
                if (held.failed()) throw held_writes_failed{};
                errors[i] = std::current_exception();
                throw group_job_failed{};
              }
              // A job may have caught the failure of a send it triggered.
              if (held.failed()) throw held_writes_failed{};
            }
            held.send(tx);
          } catch (const group_job_failed&) {
            ambient_transaction = nullptr;
            failed_job = true;
            return;  // rolled back when tx goes
          } catch (const held_writes_failed&) {
            ambient_transaction = nullptr;
            held_failed = true;
            return;
          } catch (...) {
            ambient_transaction = nullptr;
            throw;
          }
          ambient_transaction = nullptr;
          tx.commit();
        },
        [&] { slot.drop(); });
    if (held_failed) {
      holding = false;
      continue;
    }
    if (!failed_job) return;
  }
}

int database::migrate() {
  int applied = 0;
  for (const migration& m : embedded_migrations()) {
    bool ran = false;
    try {
      transact([&](pqxx::dbtransaction& tx) {
        ran = false;
        // Held until this transaction ends: a concurrent migrate() waits, then sees the
        // version recorded and skips it.
        tx.exec_params("SELECT pg_advisory_xact_lock($1)", migration_lock_key);
        tx.exec0(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY,"
            " name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())");
        if (!tx.exec_params("SELECT 1 FROM schema_migrations WHERE version = $1", m.version)
                 .empty())
          return;
        tx.exec(m.sql);
        tx.exec_params0("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version,
                        std::string(m.name));
        ran = true;
      });
    } catch (const storage_error& e) {
      throw storage_error("migration " + std::to_string(m.version) + " (" + m.name +
                          ") failed: " + e.what());
    }
    if (ran) ++applied;
  }
  return applied;
}

bool database::reachable() {
  try {
    transact([](pqxx::dbtransaction& tx) { tx.exec1("SELECT 1"); });
    return true;
  } catch (const storage_error&) {
    return false;
  }
}

std::size_t database::size() const {
  return impl_->pool.size();
}

}  // namespace dialer::storage
