#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "storage/campaigns.hpp"
#include "storage/catalog.hpp"
#include "storage/dial_journal.hpp"
#include "storage/leads.hpp"
#include "test_database.hpp"

namespace dialer::storage {
namespace {

using test::db;

std::int64_t count_of(const std::string& table, id_t tenant) {
  std::int64_t n = 0;
  db().transact([&](pqxx::dbtransaction& tx) {
    n = tx.exec_params("SELECT count(*) FROM " + tx.quote_name(table) + " WHERE tenant_id = $1",
                       tenant)[0][0]
            .as<std::int64_t>();
  });
  return n;
}

number_row number_of(const std::string& e164) {
  number_row n;
  n.e164 = e164;
  return n;
}

TEST(resource_changes, an_agent_is_updated_only_by_its_tenant) {
  const id_t a = test::new_tenant();
  const id_t b = test::new_tenant();
  auto setup = test::new_campaign(a);
  auto agent = *find_agent(db(), a, setup.agent_id);
  agent.name = "Renamed";
  agent.voice_id = "voice_2";
  EXPECT_FALSE(update_agent(db(), b, agent.id, agent));
  auto updated = update_agent(db(), a, agent.id, agent);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->name, "Renamed");
  EXPECT_EQ(updated->voice_id, "voice_2");
  EXPECT_EQ(updated->created_at, agent.created_at);
}

TEST(resource_changes, an_agent_used_by_a_campaign_is_not_deleted) {
  const id_t a = test::new_tenant();
  const id_t b = test::new_tenant();
  auto setup = test::new_campaign(a);
  EXPECT_EQ(delete_agent(db(), b, setup.agent_id), change_result::not_found);
  EXPECT_EQ(delete_agent(db(), a, setup.agent_id), change_result::in_use);
  agent_row spare;
  spare.name = "Spare";
  spare.retell_agent_id = "agent_spare";
  auto unused = insert_agent(db(), a, spare);
  EXPECT_EQ(delete_agent(db(), a, unused.id), change_result::applied);
  EXPECT_FALSE(find_agent(db(), a, unused.id));
  EXPECT_EQ(delete_agent(db(), a, unused.id), change_result::not_found);
}

TEST(resource_changes, a_number_is_kept_while_an_unfinished_campaign_calls_from_it) {
  const id_t a = test::new_tenant();
  const id_t b = test::new_tenant();
  auto setup = test::new_campaign(a);  // calls from +14155550100
  auto used = insert_number(db(), a, number_of("+14155550100"));
  auto spare = insert_number(db(), a, number_of("+14155550199"));
  EXPECT_EQ(delete_number(db(), b, used.id), change_result::not_found);
  EXPECT_EQ(delete_number(db(), a, used.id), change_result::in_use);
  EXPECT_EQ(delete_number(db(), a, spare.id), change_result::applied);
  ASSERT_TRUE(transition_campaign(db(), a, setup.campaign.id, campaign_status::draft,
                                  campaign_status::cancelled));
  EXPECT_EQ(delete_number(db(), a, used.id), change_result::applied);
  EXPECT_TRUE(list_numbers(db(), a).empty());
}

TEST(resource_changes, a_lead_is_updated_unless_it_is_being_called) {
  const id_t a = test::new_tenant();
  const id_t b = test::new_tenant();
  auto setup = test::new_campaign(a);
  auto lead = insert_lead(db(), a, test::lead_in(setup.campaign.id));
  auto changed = lead;
  changed.name = "Grace";
  changed.consent_status = "denied";
  changed.metadata_json = R"({"crm": 7})";
  changed.status = "completed";  // not editable
  changed.attempts = 9;          // not editable
  EXPECT_EQ(update_lead(db(), b, lead.id, changed).result, change_result::not_found);
  auto updated = update_lead(db(), a, lead.id, changed);
  ASSERT_EQ(updated.result, change_result::applied);
  EXPECT_EQ(updated.row.name, "Grace");
  EXPECT_EQ(updated.row.consent_status, "denied");
  EXPECT_EQ(updated.row.metadata_json, R"({"crm": 7})");
  EXPECT_EQ(updated.row.status, "pending");
  EXPECT_EQ(updated.row.attempts, 0);

  ASSERT_TRUE(journal_dialing(db(), setup.plan, dial_candidate{lead.id, lead.phone, 0, 0}));
  changed.name = "Too late";
  EXPECT_EQ(update_lead(db(), a, lead.id, changed).result, change_result::in_progress);
  EXPECT_EQ(find_lead(db(), a, lead.id)->name, "Grace");
}

TEST(resource_changes, a_lead_cannot_take_a_phone_its_campaign_already_has) {
  const id_t a = test::new_tenant();
  auto setup = test::new_campaign(a);
  auto first = insert_lead(db(), a, test::lead_in(setup.campaign.id));
  auto second = insert_lead(db(), a, test::lead_in(setup.campaign.id));
  second.phone = first.phone;
  EXPECT_THROW(update_lead(db(), a, second.id, second), conflict_error);
  // The same phone in another campaign (or none) is another lead.
  second.campaign_id.reset();
  EXPECT_EQ(update_lead(db(), a, second.id, second).result, change_result::applied);
}

TEST(resource_changes, a_lead_is_deleted_only_when_it_was_never_called) {
  const id_t a = test::new_tenant();
  const id_t b = test::new_tenant();
  auto setup = test::new_campaign(a);
  auto never = insert_lead(db(), a, test::lead_in(setup.campaign.id));
  auto called = insert_lead(db(), a, test::lead_in(setup.campaign.id));
  // A compliance decision about the lead stays, detached from it.
  db().transact([&](pqxx::dbtransaction& tx) {
    tx.exec_params(
        "INSERT INTO compliance_checks (tenant_id, campaign_id, lead_id, allowed,"
        " block_reason) VALUES ($1, $2, $3, false, 'quiet_hours')",
        a, setup.campaign.id, never.id);
  });
  EXPECT_EQ(delete_lead(db(), b, never.id), change_result::not_found);
  EXPECT_EQ(delete_lead(db(), a, never.id), change_result::applied);
  EXPECT_FALSE(find_lead(db(), a, never.id));
  EXPECT_EQ(count_of("compliance_checks", a), 1);

  auto attempt = journal_dialing(db(), setup.plan, dial_candidate{called.id, called.phone, 0, 0});
  ASSERT_TRUE(attempt);
  EXPECT_EQ(delete_lead(db(), a, called.id), change_result::in_progress);
  lead_next_step done;
  done.status = lead_status::completed;
  done.terminal_reason = "answered";
  close_attempt(db(), a, attempt->attempt_id, attempt_state::ended, disposition::answered, "",
                done);
  EXPECT_EQ(delete_lead(db(), a, called.id), change_result::in_use);
  EXPECT_TRUE(find_lead(db(), a, called.id));
}

TEST(resource_changes, a_campaign_is_updated_only_while_draft_or_paused) {
  const id_t a = test::new_tenant();
  const id_t b = test::new_tenant();
  auto setup = test::new_campaign(a);
  auto c = setup.campaign;
  c.name = "Spring";
  c.max_concurrent_calls = 9;
  c.budget_cents = 5000;
  c.start_date = "2030-01-01T09:00:00Z";
  c.retry.busy_s = 60;
  c.status = "running";  // not editable
  EXPECT_EQ(update_campaign(db(), b, c.id, c).result, change_result::not_found);
  auto updated = update_campaign(db(), a, c.id, c);
  ASSERT_EQ(updated.result, change_result::applied);
  EXPECT_EQ(updated.row.name, "Spring");
  EXPECT_EQ(updated.row.max_concurrent_calls, 9);
  EXPECT_EQ(updated.row.budget_cents, 5000);
  EXPECT_EQ(updated.row.start_date, "2030-01-01T09:00:00Z");
  EXPECT_EQ(updated.row.retry.busy_s, 60);
  EXPECT_EQ(updated.row.status, "draft");

  ASSERT_TRUE(transition_campaign(db(), a, c.id, campaign_status::draft, campaign_status::running));
  EXPECT_EQ(update_campaign(db(), a, c.id, c).result, change_result::wrong_state);
  ASSERT_TRUE(
      transition_campaign(db(), a, c.id, campaign_status::running, campaign_status::paused));
  c.budget_cents.reset();
  auto paused = update_campaign(db(), a, c.id, c);
  ASSERT_EQ(paused.result, change_result::applied);
  EXPECT_FALSE(paused.row.budget_cents);
  EXPECT_EQ(paused.row.status, "paused");
}

TEST(resource_changes, new_leads_skip_phones_the_campaign_already_has) {
  const id_t a = test::new_tenant();
  auto setup = test::new_campaign(a);
  auto existing = insert_lead(db(), a, test::lead_in(setup.campaign.id));
  std::vector<lead_row> batch;
  auto fresh = test::lead_in(std::nullopt);
  batch.push_back(fresh);                        // new
  batch.push_back(test::lead_in(std::nullopt));  // new
  batch.back().phone = existing.phone;           // ...but the campaign has it
  batch.push_back(fresh);                        // repeats the first row
  batch.push_back(test::lead_in(std::nullopt));  // new
  auto inserted = insert_new_leads(db(), a, setup.campaign.id, batch);
  EXPECT_EQ(inserted, (std::vector<bool>{true, false, false, true}));
  lead_filter f;
  f.campaign_id = setup.campaign.id;
  EXPECT_EQ(list_leads(db(), a, f).total, 3);
  // Again: everything is a duplicate now.
  EXPECT_EQ(insert_new_leads(db(), a, setup.campaign.id, batch), (std::vector<bool>(4, false)));
}

TEST(resource_changes, new_leads_keep_every_character_and_default_their_enums) {
  const id_t a = test::new_tenant();
  lead_row l = test::lead_in(std::nullopt);
  l.name = R"(O"Brien, {Jr.} \ "Bob" ünïcødé)";
  l.company = "";
  l.nature = "";
  l.consent_status = "granted";
  l.quiet_hours_disabled = true;
  l.priority = -7;
  l.metadata_json = R"({"note": "a,b \"c\""})";
  ASSERT_EQ(insert_new_leads(db(), a, std::nullopt, {l}), (std::vector<bool>{true}));
  auto page = list_leads(db(), a, lead_filter{});
  ASSERT_EQ(page.total, 1);
  const auto& stored = page.items[0];
  EXPECT_EQ(stored.name, l.name);
  EXPECT_FALSE(stored.campaign_id);
  EXPECT_EQ(stored.nature, "unknown");
  EXPECT_EQ(stored.consent_status, "granted");
  EXPECT_TRUE(stored.quiet_hours_disabled);
  EXPECT_EQ(stored.priority, -7);
  EXPECT_EQ(stored.metadata_json, R"({"note": "a,b \"c\""})");
  EXPECT_EQ(stored.status, "pending");
  // Leads without a campaign are deduplicated among themselves too.
  EXPECT_EQ(insert_new_leads(db(), a, std::nullopt, {l}), (std::vector<bool>{false}));
}

TEST(resource_changes, new_leads_of_one_tenant_never_collide_with_another) {
  const id_t a = test::new_tenant();
  const id_t b = test::new_tenant();
  auto l = test::lead_in(std::nullopt);
  EXPECT_EQ(insert_new_leads(db(), a, std::nullopt, {l}), (std::vector<bool>{true}));
  EXPECT_EQ(insert_new_leads(db(), b, std::nullopt, {l}), (std::vector<bool>{true}));
  EXPECT_EQ(count_of("leads", a), 1);
  EXPECT_EQ(count_of("leads", b), 1);
  EXPECT_TRUE(insert_new_leads(db(), a, std::nullopt, {}).empty());
}

TEST(resource_changes, a_batch_of_a_thousand_leads_goes_in_one_statement) {
  const id_t a = test::new_tenant();
  auto setup = test::new_campaign(a);
  std::vector<lead_row> batch;
  for (int i = 0; i < 1000; ++i) batch.push_back(test::lead_in(std::nullopt));
  auto inserted = insert_new_leads(db(), a, setup.campaign.id, batch);
  EXPECT_EQ(std::count(inserted.begin(), inserted.end(), true), 1000);
  EXPECT_EQ(count_of("leads", a), 1000);
}

}  // namespace
}  // namespace dialer::storage
