#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

// libpqxx 6.4 declares pqxx::connection as an alias, so only the transaction type is
// forward-declared here.
namespace pqxx {
class dbtransaction;
class transaction_base;
}  // namespace pqxx

namespace dialer::storage {

/// Any failure to talk to PostgreSQL (connection lost, statement failed).
class storage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A write refused because it would duplicate a unique value (e-mail, E.164 of a tenant...).
class conflict_error : public storage_error {
 public:
  using storage_error::storage_error;
};

/// A fixed-size pool of PostgreSQL connections used by blocking workers only.
class database {
 public:
  /// Connects `size` sessions to `url` (libpq connection string or URI); throws storage_error.
  database(std::string url, std::size_t size);
  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  /// Runs `work` in one transaction on a pooled connection and commits it. Retries once on a
  /// broken connection (reconnecting) when nothing was committed. Throws storage_error, or
  /// conflict_error on a unique violation.
  void transact(const std::function<void(pqxx::dbtransaction&)>& work);

  /// Runs `work`, a single read-only statement, on a pooled connection without a transaction
  /// of its own (one round trip instead of BEGIN, statement, COMMIT); inside a group it joins
  /// the group's transaction. Retries once on a broken connection. Throws storage_error.
  void read(const std::function<void(pqxx::transaction_base&)>& work);

  /// Runs `work`, a single statement that writes, the same way: the statement is its own
  /// transaction (atomic, and durable once it returns), so no BEGIN and COMMIT round trips.
  void write_alone(const std::function<void(pqxx::transaction_base&)>& work);

  /// Runs every job in one transaction with one commit: while a job runs, the transact()
  /// calls it makes on this thread join that transaction instead of opening their own. A job
  /// that throws is left out: the transaction is rolled back and the others run again (jobs
  /// must be safe to run again, as transact's work is), and its error lands in `errors` at its
  /// index. Throws storage_error when the group itself cannot commit.
  void transact_group(const std::vector<std::function<void()>>& jobs,
                      std::vector<std::exception_ptr>& errors);

  /// True on a thread running a job of transact_group(): its transact() calls join the group.
  static bool in_group();

  /// Applies the numbered migrations not yet recorded in schema_migrations, in order.
  /// Returns how many were applied.
  int migrate();

  /// True when a trivial query succeeds.
  bool reachable();

  /// Number of pooled connections.
  std::size_t size() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace dialer::storage
