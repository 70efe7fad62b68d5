#include "storage/group_commit.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <chrono>
#include <thread>

#include "storage/tenant_limits.hpp"
#include "test_database.hpp"

namespace dialer::storage {
namespace {

using test::db;

/// What another session sees of the tenant's cap (so only committed data counts).
std::optional<std::int32_t> committed_cap(id_t tenant) {
  database other(test::db_url(), 1);
  return tenant_limits_of(other, tenant)->max_concurrent_calls;
}

/// Waits (without a deadline: the test's timeout is the limit) until `done()` holds.
template <class Done>
void wait_until(Done done) {
  while (!done()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

TEST(group_commit, jobs_waiting_together_share_one_commit_and_each_caller_sees_it_durable) {
  group_commit writer(db());
  std::vector<id_t> tenants;
  for (int i = 0; i < 32; ++i) tenants.push_back(test::new_tenant());
  // The first job holds the writer until the 31 others wait behind it: they form one group.
  std::atomic<bool> release{false};
  std::atomic<bool> holding{false};
  std::thread first([&] {
    writer.run([&] {
      set_tenant_limits(db(), tenants[0], tenant_limits{1, std::nullopt});
      holding = true;
      wait_until([&] { return release.load(); });
    });
  });
  wait_until([&] { return holding.load(); });
  std::vector<std::thread> callers;
  std::atomic<int> seen_committed{0};
  for (int i = 1; i < 32; ++i)
    callers.emplace_back([&, i] {
      writer.run([&, i] {
        set_tenant_limits(db(), tenants[i], tenant_limits{i + 1, std::nullopt});
      });
      // Back from run(): the write is committed, visible to any other session.
      if (committed_cap(tenants[i]) == i + 1) ++seen_committed;
    });
  wait_until([&] { return writer.waiting() == 31; });
  release = true;
  first.join();
  for (auto& t : callers) t.join();
  EXPECT_EQ(seen_committed.load(), 31);
  EXPECT_EQ(writer.jobs(), 32u);
  EXPECT_EQ(writer.groups(), 2u) << "31 jobs waiting together went in one transaction";
  for (int i = 0; i < 32; ++i) EXPECT_EQ(committed_cap(tenants[i]), i + 1);
}

TEST(group_commit, a_failing_job_gets_its_error_and_the_rest_of_its_group_commits) {
  group_commit writer(db());
  auto good_a = test::new_tenant();
  auto bad = test::new_tenant();
  auto good_b = test::new_tenant();
  std::atomic<bool> release{false};
  std::atomic<bool> holding{false};
  std::thread holder([&] {
    writer.run([&] {
      holding = true;
      wait_until([&] { return release.load(); });
    });
  });
  wait_until([&] { return holding.load(); });
  std::atomic<int> failures{0};
  std::atomic<int> successes{0};
  std::vector<std::thread> callers;
  for (auto [tenant, cap] : {std::pair<id_t, std::int32_t>{good_a, 5}, {bad, 0}, {good_b, 6}})
    callers.emplace_back([&, tenant = tenant, cap = cap] {
      try {
        // A cap of 0 breaks the table's CHECK: this job fails inside the group.
        writer.run([&] { set_tenant_limits(db(), tenant, tenant_limits{cap, std::nullopt}); });
        ++successes;
      } catch (const storage_error&) {
        ++failures;
      }
    });
  wait_until([&] { return writer.waiting() == 3; });
  release = true;
  holder.join();
  for (auto& t : callers) t.join();
  EXPECT_EQ(failures.load(), 1);
  EXPECT_EQ(successes.load(), 2);
  EXPECT_EQ(committed_cap(good_a), 5);
  EXPECT_EQ(committed_cap(good_b), 6);
  EXPECT_FALSE(committed_cap(bad)) << "the failed job changed nothing";
  EXPECT_EQ(writer.groups(), 2u) << "the failure did not split the group";
}

TEST(group_commit, a_job_is_atomic_and_its_own_errors_reach_its_caller) {
  group_commit writer(db());
  auto tenant = test::new_tenant();
  EXPECT_THROW(writer.run([&] {
    set_tenant_limits(db(), tenant, tenant_limits{9, std::nullopt});
    throw std::logic_error("the caller's own failure");
  }),
               std::logic_error);
  EXPECT_FALSE(committed_cap(tenant)) << "a failed job's earlier writes are rolled back";
  writer.run([&] { set_tenant_limits(db(), tenant, tenant_limits{3, std::nullopt}); });
  EXPECT_EQ(committed_cap(tenant), 3);
}

TEST(group_commit, a_submitted_job_returns_at_once_and_is_told_after_its_commit) {
  group_commit writer(db());
  auto tenant = test::new_tenant();
  auto bad = test::new_tenant();
  std::atomic<bool> release{false};
  std::atomic<int> told{0};
  std::optional<std::int32_t> seen_when_told;
  std::exception_ptr bad_error;
  // Submitting never waits, even while the writer is held by the job itself.
  writer.submit(
      [&] {
        set_tenant_limits(db(), tenant, tenant_limits{4, std::nullopt});
        wait_until([&] { return release.load(); });
      },
      [&](std::exception_ptr error) {
        EXPECT_FALSE(error);
        seen_when_told = committed_cap(tenant);
        ++told;
      });
  writer.submit(
      [&] {
        set_tenant_limits(db(), bad, tenant_limits{5, std::nullopt});
        throw std::logic_error("this job fails");
      },
      [&](std::exception_ptr error) {
        bad_error = error;
        throw std::runtime_error("a follow-up that throws does not stop the writer");
      });
  EXPECT_EQ(told.load(), 0) << "nothing is told before the commit";
  release = true;
  writer.run([] {});  // the writer still runs jobs after a follow-up threw
  EXPECT_EQ(told.load(), 1);
  EXPECT_EQ(seen_when_told, 4) << "told only once the write was visible to other sessions";
  ASSERT_TRUE(bad_error);
  EXPECT_THROW(std::rethrow_exception(bad_error), std::logic_error);
  EXPECT_FALSE(committed_cap(bad)) << "the failed job changed nothing";
}

TEST(group_commit, an_urgent_job_commits_while_every_other_writer_holds_an_ordinary_group) {
  group_commit writer(db(), 3);  // one writer kept for urgent jobs, two for any
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> holding{0};
  auto hold = [&] {
    ++holding;
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return release; });
  };
  std::atomic<int> ordinary_done{0};
  // Each ordinary job is handed in once the previous one holds its writer, so each is a group
  // of its own and both writers that take any job are held.
  writer.submit(hold, [&](std::exception_ptr) { ++ordinary_done; });
  wait_until([&] { return holding == 1; });
  writer.submit(hold, [&](std::exception_ptr) { ++ordinary_done; });
  wait_until([&] { return holding == 2; });
  // A third ordinary job waits: no writer that takes it is free.
  std::atomic<bool> third_ran{false};
  writer.submit([&] { third_ran = true; }, [&](std::exception_ptr) { ++ordinary_done; });
  const id_t tenant = test::new_tenant();
  std::atomic<bool> urgent_done{false};
  std::exception_ptr urgent_error;
  writer.submit([&] { set_tenant_limits(db(), tenant, tenant_limits{7, std::nullopt}); },
                [&](std::exception_ptr e) {
                  urgent_error = e;
                  urgent_done = true;
                },
                write_lane::urgent);
  wait_until([&] { return urgent_done.load(); });
  EXPECT_FALSE(urgent_error);
  EXPECT_EQ(committed_cap(tenant), std::optional<std::int32_t>{7}) << "committed before done";
  EXPECT_EQ(ordinary_done, 0);
  EXPECT_FALSE(third_ran) << "the urgent writer took an ordinary job";
  {
    std::lock_guard<std::mutex> lock(m);
    release = true;
  }
  cv.notify_all();
  wait_until([&] { return ordinary_done == 3; });
  EXPECT_TRUE(third_ran);
}

TEST(group_commit, writes_inside_a_job_know_they_are_part_of_its_group) {
  group_commit writer(db());
  EXPECT_FALSE(database::in_group());
  bool inside = false;
  writer.run([&] { inside = database::in_group(); });
  EXPECT_TRUE(inside) << "the engine store runs nested writes inline on this signal";
  EXPECT_FALSE(database::in_group());
}

}  // namespace
}  // namespace dialer::storage
