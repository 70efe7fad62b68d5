#include "storage/webhook_inbox.hpp"

#include <condition_variable>
#include <mutex>

#include <algorithm>
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "storage/dial_journal.hpp"
#include "storage/inbox_writer.hpp"
#include "storage/leads.hpp"
#include "test_database.hpp"

namespace dialer::storage {
namespace {

using test::db;

/// A journalled attempt to attach webhooks to.
dial_attempt an_attempt() {
  auto setup = test::new_campaign(test::new_tenant());
  auto lead = insert_lead(db(), setup.tenant_id, test::lead_in(setup.campaign.id));
  return *journal_dialing(db(), setup.plan, dial_candidate{lead.id, lead.phone, 0, 0});
}

const inbox_row* find_in(const std::vector<inbox_row>& rows, id_t id) {
  auto it = std::find_if(rows.begin(), rows.end(), [&](const inbox_row& r) { return r.id == id; });
  return it == rows.end() ? nullptr : &*it;
}

TEST(webhook_inbox, stores_the_exact_body_once_per_call_and_event) {
  auto a = an_attempt();
  const auto call_id = test::unique("call_");
  const std::string body = "{\"event\":\"call_started\",  \"call\":{\"call_id\":\"" + call_id +
                           "\",\"note\":\"caf\xc3\xa9 \\u00e9 \\\\ tab\\t\"}}\n";

  auto [id, stored] = store_webhook(db(), a.tenant_id, a.attempt_id, call_id, "call_started", body);
  EXPECT_GT(id, 0);
  EXPECT_TRUE(stored);
  EXPECT_EQ(webhook_count(db(), call_id), 1);

  auto [again_id, again_stored] =
      store_webhook(db(), a.tenant_id, a.attempt_id, call_id, "call_started", body + " ");
  EXPECT_EQ(again_id, id);
  EXPECT_FALSE(again_stored);
  EXPECT_EQ(webhook_count(db(), call_id), 1);

  auto [ended_id, ended_stored] =
      store_webhook(db(), a.tenant_id, a.attempt_id, call_id, "call_ended", "{}");
  EXPECT_TRUE(ended_stored);
  EXPECT_NE(ended_id, id);
  EXPECT_EQ(webhook_count(db(), call_id), 2);

  auto pending = unapplied_webhooks(db());
  const inbox_row* row = find_in(pending, id);
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->tenant_id, a.tenant_id);
  EXPECT_EQ(row->attempt_id, a.attempt_id);
  EXPECT_EQ(row->provider_call_id, call_id);
  EXPECT_EQ(row->event, "call_started");
  EXPECT_EQ(row->body, body);
}

TEST(webhook_inbox, unapplied_are_oldest_first_and_marking_applied_removes_them) {
  auto a = an_attempt();
  const auto call_id = test::unique("call_");
  auto first = store_webhook(db(), a.tenant_id, a.attempt_id, call_id, "call_started", "{}").first;
  auto second = store_webhook(db(), a.tenant_id, a.attempt_id, call_id, "call_ended", "{}").first;
  auto third = store_webhook(db(), a.tenant_id, a.attempt_id, call_id, "call_analyzed", "{}").first;

  auto pending = unapplied_webhooks(db());
  for (std::size_t i = 1; i < pending.size(); ++i) EXPECT_LT(pending[i - 1].id, pending[i].id);
  ASSERT_NE(find_in(pending, first), nullptr);
  ASSERT_NE(find_in(pending, second), nullptr);

  mark_webhook_applied(db(), second);
  mark_webhook_applied(db(), second);  // idempotent
  pending = unapplied_webhooks(db());
  EXPECT_NE(find_in(pending, first), nullptr);
  EXPECT_EQ(find_in(pending, second), nullptr);
  EXPECT_NE(find_in(pending, third), nullptr);

  // A duplicate of an applied event is still a duplicate: it is not replayed.
  auto dup = store_webhook(db(), a.tenant_id, a.attempt_id, call_id, "call_ended", "{}");
  EXPECT_EQ(dup.first, second);
  EXPECT_FALSE(dup.second);
  EXPECT_EQ(find_in(unapplied_webhooks(db()), second), nullptr);
}

TEST(webhook_inbox, a_webhook_without_a_known_attempt_is_stored_with_attempt_zero) {
  const id_t tenant = test::new_tenant();
  const auto call_id = test::unique("call_");
  auto [id, stored] = store_webhook(db(), tenant, 0, call_id, "call_started", "{}");
  EXPECT_TRUE(stored);
  const inbox_row* row = find_in(unapplied_webhooks(db()), id);
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->attempt_id, 0);
}

TEST(webhook_inbox, an_attempt_of_another_tenant_is_refused) {
  auto a = an_attempt();
  const id_t intruder = test::new_tenant();
  const auto call_id = test::unique("call_");
  EXPECT_THROW(store_webhook(db(), intruder, a.attempt_id, call_id, "call_started", "{}"),
               storage_error);
  EXPECT_EQ(webhook_count(db(), call_id), 0);
}

TEST(webhook_inbox, a_duplicate_from_another_tenant_reveals_nothing) {
  auto a = an_attempt();
  const auto call_id = test::unique("call_");
  store_webhook(db(), a.tenant_id, a.attempt_id, call_id, "call_started", "{}");
  auto [id, stored] = store_webhook(db(), test::new_tenant(), 0, call_id, "call_started", "{}");
  EXPECT_EQ(id, 0);
  EXPECT_FALSE(stored);
  EXPECT_EQ(webhook_count(db(), call_id), 1);
}

TEST(webhook_inbox, concurrent_deliveries_of_one_event_store_it_once) {
  auto a = an_attempt();
  const auto call_id = test::unique("call_");
  database second(test::db_url(), 2);
  std::atomic<int> stored{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  std::vector<id_t> ids(4);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      while (!go) std::this_thread::yield();
      auto result = store_webhook(t % 2 == 0 ? db() : second, a.tenant_id, a.attempt_id, call_id,
                                  "call_ended", "{\"n\":" + std::to_string(t) + "}");
      ids[t] = result.first;
      if (result.second) ++stored;
    });
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(stored.load(), 1);
  EXPECT_EQ(webhook_count(db(), call_id), 1);
  for (id_t id : ids) EXPECT_EQ(id, ids[0]);
}

TEST(webhook_inbox, recording_progress_marks_its_webhook_applied_in_the_same_commit) {
  auto a = an_attempt();
  const auto call_id = test::unique("call_");
  auto started = store_webhook(db(), a.tenant_id, a.attempt_id, call_id, "call_started", "{}").first;
  auto stray = store_webhook(db(), a.tenant_id, a.attempt_id, call_id, "call_ended", "{}").first;
  provider_call call;
  call.call_id = call_id;
  call.call_status = "ongoing";
  record_call_progress(db(), a.tenant_id, a.attempt_id, attempt_state::ongoing, disposition::none,
                       call, started);
  // An attempt this tenant does not have records nothing, yet its webhook is not left pending.
  record_call_progress(db(), test::new_tenant(), a.attempt_id, attempt_state::ended,
                       disposition::answered, call, stray);
  auto rows = unapplied_webhooks(db());
  EXPECT_EQ(find_in(rows, started), nullptr);
  EXPECT_EQ(find_in(rows, stray), nullptr);
  auto attempt = find_attempt(db(), a.attempt_id);
  ASSERT_TRUE(attempt);
  EXPECT_EQ(attempt->state, attempt_state::ongoing) << "the other tenant's write changed nothing";
}

TEST(webhook_inbox, a_group_stores_each_event_once_and_names_the_duplicates) {
  auto a = an_attempt();
  const auto call_id = test::unique("call_");
  auto earlier = store_webhook(db(), a.tenant_id, a.attempt_id, call_id, "call_started", "{}");
  auto entry = [&](const std::string& event, const std::string& body) {
    return inbox_entry{0, a.attempt_id, call_id, event, body};
  };
  auto receipts = store_webhooks(db(), {entry("call_ended", "{\"n\":1}"),
                                        entry("call_started", "{}"),
                                        entry("call_ended", "{\"n\":2}"),
                                        entry("call_analyzed", "{}")});
  ASSERT_EQ(receipts.size(), 4u);
  for (const auto& r : receipts) {
    EXPECT_EQ(r.tenant_id, a.tenant_id);
    EXPECT_EQ(r.attempt_id, a.attempt_id);
  }
  EXPECT_TRUE(receipts[0].stored) << "first call_ended of the group";
  EXPECT_FALSE(receipts[1].stored);
  EXPECT_EQ(receipts[1].inbox_id, earlier.first) << "stored before the group";
  EXPECT_FALSE(receipts[2].stored) << "duplicate inside the group";
  EXPECT_EQ(receipts[2].inbox_id, receipts[0].inbox_id);
  EXPECT_TRUE(receipts[3].stored);
  EXPECT_EQ(webhook_count(db(), call_id), 3);
  auto rows = unapplied_webhooks(db());
  const auto* first = find_in(rows, receipts[0].inbox_id);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->body, "{\"n\":1}") << "the body of the entry that stored it";
  EXPECT_EQ(first->attempt_id, a.attempt_id);
}

TEST(webhook_inbox, each_stored_event_is_pending_once_until_applied_and_duplicates_add_nothing) {
  auto a = an_attempt();
  const auto call_id = test::unique("call_");
  auto entry = [&](const std::string& event) {
    return inbox_entry{0, a.attempt_id, call_id, event, "{}"};
  };
  auto of_call = [&] {
    std::vector<id_t> ids;
    for (const auto& r : unapplied_webhooks(db()))
      if (r.provider_call_id == call_id) ids.push_back(r.id);
    return ids;
  };
  auto first = store_webhooks(db(), {entry("call_started"), entry("call_ended")});
  auto again = store_webhooks(db(), {entry("call_ended"), entry("call_started")});
  ASSERT_EQ(first.size(), 2u);
  ASSERT_EQ(again.size(), 2u);
  EXPECT_FALSE(again[0].stored);
  EXPECT_FALSE(again[1].stored);
  EXPECT_EQ(of_call(), (std::vector<id_t>{first[0].inbox_id, first[1].inbox_id}))
      << "one pending entry per stored event, none for the duplicates";
  mark_webhook_applied(db(), first[1].inbox_id);
  EXPECT_EQ(of_call(), std::vector<id_t>{first[0].inbox_id});
  mark_webhook_applied(db(), first[1].inbox_id);  // applying twice changes nothing
  mark_webhook_applied(db(), first[0].inbox_id);
  EXPECT_TRUE(of_call().empty());
  EXPECT_EQ(webhook_count(db(), call_id), 2) << "applied events stay in the inbox";
}

TEST(webhook_inbox, a_group_finds_each_attempt_and_stores_nothing_for_unknown_or_foreign_calls) {
  auto a = an_attempt();
  auto b = an_attempt();
  const auto call_a = test::unique("call_");
  const auto call_b = test::unique("call_");
  journal_registered(db(), a.tenant_id, a.attempt_id, call_a);
  journal_registered(db(), b.tenant_id, b.attempt_id, call_b);
  const auto stranger = test::unique("call_");
  auto receipts = store_webhooks(
      db(), {inbox_entry{0, 0, call_a, "call_started", "{}"},            // by call id
             inbox_entry{0, b.attempt_id, call_b, "call_started", "{}"},  // by metadata
             inbox_entry{0, a.attempt_id, call_b, "call_ended", "{}"},    // metadata, wrong call
             inbox_entry{0, 0, stranger, "call_started", "{}"},           // never placed
             inbox_entry{b.tenant_id, 0, call_a, "call_ended", "{}"},     // another tenant's call
             inbox_entry{a.tenant_id, 0, call_a, "call_analyzed", "{}"}});
  ASSERT_EQ(receipts.size(), 6u);
  EXPECT_TRUE(receipts[0].stored);
  EXPECT_EQ(receipts[0].attempt_id, a.attempt_id);
  EXPECT_EQ(receipts[0].tenant_id, a.tenant_id);
  EXPECT_TRUE(receipts[1].stored);
  EXPECT_EQ(receipts[1].attempt_id, b.attempt_id);
  EXPECT_EQ(receipts[1].tenant_id, b.tenant_id);
  for (int i : {2, 3, 4}) {
    EXPECT_FALSE(receipts[i].stored) << i;
    EXPECT_EQ(receipts[i].attempt_id, 0) << i;
    EXPECT_EQ(receipts[i].inbox_id, 0) << i;
  }
  EXPECT_TRUE(receipts[5].stored) << "the tenant's own call";
  EXPECT_EQ(webhook_count(db(), call_a), 2) << "call_started and call_analyzed only";
  EXPECT_EQ(webhook_count(db(), call_b), 1);
  EXPECT_EQ(webhook_count(db(), stranger), 0);
}

TEST(webhook_inbox, the_writer_answers_every_caller_after_the_commit_and_isolates_a_bad_entry) {
  auto a = an_attempt();
  const auto prefix = test::unique("call_");
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::optional<inbox_receipt>> answers(201);
  std::vector<int> calls(201, 0);
  int answered = 0;
  {
    inbox_writer writer(db(), 16);
    std::vector<std::thread> senders;
    for (int t = 0; t < 4; ++t)
      senders.emplace_back([&, t] {
        for (int i = t; i < 201; i += 4) {
          // Every call has two deliveries of call_started; entry 200's body is not UTF-8,
          // which PostgreSQL refuses.
          bool bad = i == 200;
          inbox_entry e{0, a.attempt_id, prefix + std::to_string(i / 2), "call_started",
                        bad ? std::string("{\"x\":\"\xff\"}") : std::string("{}")};
          writer.submit(std::move(e), [&, i](std::optional<inbox_receipt> r) {
            std::lock_guard<std::mutex> lock(m);
            answers[i] = r;
            ++calls[i];
            ++answered;
            cv.notify_one();
          });
        }
      });
    for (auto& s : senders) s.join();
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return answered == 201; });
  }
  for (int i = 0; i < 201; ++i) EXPECT_EQ(calls[i], 1) << i;
  EXPECT_FALSE(answers[200].has_value()) << "the bad entry alone is answered unavailable";
  for (int c = 0; c < 100; ++c) {
    const auto& x = answers[2 * c];
    const auto& y = answers[2 * c + 1];
    ASSERT_TRUE(x && y) << c;
    EXPECT_EQ(x->inbox_id, y->inbox_id) << "both deliveries name the one row";
    EXPECT_NE(x->stored, y->stored) << "exactly one of them stored it";
    EXPECT_EQ(x->attempt_id, a.attempt_id);
    EXPECT_EQ(webhook_count(db(), prefix + std::to_string(c)), 1);
  }
  EXPECT_EQ(webhook_count(db(), prefix + "100"), 0);
}

}  // namespace
}  // namespace dialer::storage
