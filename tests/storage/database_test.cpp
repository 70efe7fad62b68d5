#include "storage/database.hpp"

#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "storage/migrations.hpp"
#include "test_database.hpp"

namespace dialer::storage {
namespace {

using test::db;

TEST(database, migrations_are_embedded_in_version_order) {
  const auto& all = embedded_migrations();
  ASSERT_GE(all.size(), 2u);
  EXPECT_EQ(all[0].version, 1);
  EXPECT_STREQ(all[0].name, "init");
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i].version, all[i - 1].version);
}

TEST(database, migrate_applies_every_migration_once_then_nothing) {
  EXPECT_EQ(test::migrations_applied_at_start(), static_cast<int>(embedded_migrations().size()));
  EXPECT_EQ(db().migrate(), 0);
  EXPECT_EQ(db().migrate(), 0);

  std::set<int> recorded;
  db().transact([&](pqxx::dbtransaction& tx) {
    for (const auto& row : tx.exec("SELECT version FROM schema_migrations"))
      recorded.insert(row[0].as<int>());
  });
  std::set<int> expected;
  for (const auto& m : embedded_migrations()) expected.insert(m.version);
  EXPECT_EQ(recorded, expected);
}

TEST(database, concurrent_migrate_from_two_pools_applies_each_migration_once) {
  test::scratch_database fresh;
  database a(fresh.url(), 1);
  database b(fresh.url(), 1);
  std::atomic<int> applied{0};
  std::thread ta([&] { applied += a.migrate(); });
  std::thread tb([&] { applied += b.migrate(); });
  ta.join();
  tb.join();
  EXPECT_EQ(applied.load(), static_cast<int>(embedded_migrations().size()));
  EXPECT_EQ(a.migrate(), 0);
}

TEST(database, every_tenant_table_has_a_not_null_tenant_id_referencing_tenants) {
  std::vector<std::string> tables;
  db().transact([&](pqxx::dbtransaction& tx) {
    for (const auto& row :
         tx.exec("SELECT table_name FROM information_schema.tables"
                 " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
                 " AND table_name NOT IN ('tenants', 'schema_migrations') ORDER BY 1"))
      tables.push_back(row[0].as<std::string>());
  });
  ASSERT_GE(tables.size(), 10u);
  for (const auto& table : tables) {
    db().transact([&](pqxx::dbtransaction& tx) {
      auto nullable = tx.exec_params(
          "SELECT is_nullable FROM information_schema.columns"
          " WHERE table_schema = 'public' AND table_name = $1 AND column_name = 'tenant_id'",
          table);
      ASSERT_EQ(nullable.size(), 1u) << table << " has no tenant_id";
      EXPECT_EQ(nullable[0][0].as<std::string>(), "NO") << table;
      auto fk = tx.exec_params(
          "SELECT count(*) FROM pg_constraint c"
          " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)"
          " WHERE c.contype = 'f' AND c.conrelid = $1::regclass"
          " AND c.confrelid = 'tenants'::regclass AND a.attname = 'tenant_id'",
          table);
      EXPECT_EQ(fk[0][0].as<int>(), 1) << table << " has no foreign key to tenants";
    });
  }
}

TEST(database, transact_commits_on_success) {
  db().transact([](pqxx::dbtransaction& tx) {
    tx.exec0("CREATE TABLE IF NOT EXISTS scratch_commit (v integer)");
    tx.exec_params0("INSERT INTO scratch_commit VALUES ($1)", 42);
  });
  int n = 0;
  db().transact([&](pqxx::dbtransaction& tx) {
    n = tx.exec1("SELECT count(*) FROM scratch_commit WHERE v = 42")[0].as<int>();
  });
  EXPECT_EQ(n, 1);
}

TEST(database, transact_rolls_back_when_the_work_throws) {
  db().transact([](pqxx::dbtransaction& tx) {
    tx.exec0("CREATE TABLE IF NOT EXISTS scratch_rollback (v integer)");
  });
  EXPECT_THROW(db().transact([](pqxx::dbtransaction& tx) {
    tx.exec0("INSERT INTO scratch_rollback VALUES (7)");
    throw std::runtime_error("caller gave up");
  }),
               storage_error);
  int n = -1;
  db().transact([&](pqxx::dbtransaction& tx) {
    n = tx.exec1("SELECT count(*) FROM scratch_rollback")[0].as<int>();
  });
  EXPECT_EQ(n, 0);
}

TEST(database, unique_violation_is_a_conflict_and_other_errors_are_storage_errors) {
  db().transact([](pqxx::dbtransaction& tx) {
    tx.exec0("CREATE TABLE IF NOT EXISTS scratch_unique (v integer UNIQUE)");
    tx.exec0("INSERT INTO scratch_unique VALUES (1) ON CONFLICT DO NOTHING");
  });
  EXPECT_THROW(db().transact([](pqxx::dbtransaction& tx) {
    tx.exec0("INSERT INTO scratch_unique VALUES (1)");
  }),
               conflict_error);
  try {
    db().transact([](pqxx::dbtransaction& tx) { tx.exec0("SELECT * FROM no_such_table"); });
    FAIL() << "expected storage_error";
  } catch (const conflict_error&) {
    FAIL() << "not a conflict";
  } catch (const storage_error& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_table"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("42P01"), std::string::npos) << e.what();
  }
}

TEST(database, reachable_and_size) {
  EXPECT_TRUE(db().reachable());
  EXPECT_EQ(db().size(), 4u);
}

TEST(database, connecting_to_a_missing_database_is_a_storage_error) {
  EXPECT_THROW(database("dbname=" + test::unique("no_such_db_"), 1), storage_error);
  EXPECT_THROW(database(test::db_url(), 0), storage_error);
}

TEST(database, reconnects_and_retries_once_when_the_session_was_killed) {
  database single(test::db_url(), 1);
  auto backend_pid = [&] {
    int pid = 0;
    single.transact(
        [&](pqxx::dbtransaction& tx) { pid = tx.exec1("SELECT pg_backend_pid()")[0].as<int>(); });
    return pid;
  };
  const int before = backend_pid();
  test::exec_on_server("SELECT pg_terminate_backend(" + std::to_string(before) + ")");
  // The server closes the session asynchronously; wait until it is gone.
  for (int i = 0; i < 100; ++i) {
    bool alive = true;
    database probe(test::db_url(), 1);
    probe.transact([&](pqxx::dbtransaction& tx) {
      alive = tx.exec_params1("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", before)[0]
                  .as<int>() > 0;
    });
    if (!alive) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const int after = backend_pid();
  EXPECT_NE(after, before);
  EXPECT_TRUE(single.reachable());
}

TEST(database, a_pool_of_one_serves_many_threads) {
  database single(test::db_url(), 1);
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        single.transact([](pqxx::dbtransaction& tx) { tx.exec1("SELECT pg_sleep(0.001)"); });
        ++done;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(done.load(), 40);
}

}  // namespace
}  // namespace dialer::storage
