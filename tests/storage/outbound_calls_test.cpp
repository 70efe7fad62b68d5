#include "storage/outbound_calls.hpp"

#include <algorithm>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "storage/campaigns.hpp"
#include "storage/catalog.hpp"
#include "storage/leads.hpp"
#include "test_database.hpp"

namespace dialer::storage {
namespace {

using test::db;

/// Every campaign row of the tenant, outbound ones included (the API lists hide those).
std::int64_t campaign_rows_of(id_t tenant_id) {
  std::int64_t n = 0;
  db().transact([&](pqxx::dbtransaction& tx) {
    n = tx.exec_params1("SELECT count(*) FROM campaigns WHERE tenant_id = $1", tenant_id)[0]
            .as<std::int64_t>();
  });
  return n;
}

/// Every lead of the tenant.
std::int64_t leads_of(id_t tenant_id) {
  lead_filter f;
  return list_leads(db(), tenant_id, f).total;
}

/// A request for a call to `phone` with a fresh agent of the tenant.
outbound_call call_to(id_t tenant_id, const std::string& phone) {
  agent_row agent;
  agent.name = "Caller";
  agent.retell_agent_id = test::unique("agent_");
  outbound_call call;
  call.name = "Outbound call to " + phone;
  call.agent_id = insert_agent(db(), tenant_id, agent).id;
  call.from_number = "+14155550100";
  call.phone = phone;
  call.metadata_json = R"({"ticket": "T-42"})";
  call.country_iso = "US";
  return call;
}

TEST(outbound_calls, a_running_one_lead_campaign_of_kind_outbound) {
  const id_t tenant = test::new_tenant();
  auto call = call_to(tenant, "+12125550123");
  auto created = create_outbound_call(db(), tenant, call);
  ASSERT_EQ(created.result, outbound_result::created);

  auto c = find_campaign(db(), tenant, created.campaign_id);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, "outbound");
  EXPECT_EQ(c->status, "running");
  EXPECT_EQ(c->name, "Outbound call to +12125550123");
  EXPECT_EQ(c->agent_id, call.agent_id);
  EXPECT_EQ(c->from_number, "+14155550100");
  EXPECT_EQ(c->max_concurrent_calls, 1);
  EXPECT_EQ(c->max_attempts, 1);
  EXPECT_EQ(c->metadata_json, R"({"ticket": "T-42"})");
  EXPECT_EQ(c->quiet_hours_json, "{}");
  EXPECT_TRUE(c->exclude_dnc);
  EXPECT_FALSE(c->start_date);
  EXPECT_FALSE(c->end_date);

  auto lead = find_lead(db(), tenant, created.lead_id);
  ASSERT_TRUE(lead);
  EXPECT_EQ(lead->campaign_id, created.campaign_id);
  EXPECT_EQ(lead->phone, "+12125550123");
  EXPECT_EQ(lead->country_iso, "US");
  EXPECT_EQ(lead->status, "pending");
  EXPECT_EQ(lead->attempts, 0);
  EXPECT_FALSE(lead->next_attempt_at) << "due now";
  EXPECT_EQ(lead->metadata_json, R"({"ticket": "T-42"})");

  lead_filter in_campaign;
  in_campaign.campaign_id = created.campaign_id;
  EXPECT_EQ(list_leads(db(), tenant, in_campaign).total, 1);

  // The engine picks it up like any running campaign.
  auto running = campaigns_in_status(db(), campaign_status::running);
  EXPECT_TRUE(std::any_of(running.begin(), running.end(),
                          [&](const campaign_row& r) { return r.id == created.campaign_id; }));
  auto plan = load_campaign_plan(db(), tenant, created.campaign_id);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->max_concurrent_calls, 1);
  EXPECT_EQ(plan->max_attempts, 1);
  EXPECT_EQ(plan->provider_agent_id.rfind("agent_", 0), 0u);
}

TEST(outbound_calls, a_named_lead_is_copied_into_the_call_and_left_as_it_was) {
  const id_t tenant = test::new_tenant();
  auto campaign = test::new_campaign(tenant);
  lead_row source = test::lead_in(campaign.campaign.id);
  source.name = "Ada Lovelace";
  source.email = "ada@example.com";
  source.company = "Engines Ltd";
  source.timezone = "America/Chicago";
  source.nature = "b2c";
  source.consent_status = "granted";
  source.consent_basis = "web form";
  source.quiet_hours_disabled = true;
  source.metadata_json = R"({"crm": 7})";
  auto stored = insert_lead(db(), tenant, source);

  auto call = call_to(tenant, stored.phone);
  call.source_lead_id = stored.id;
  auto created = create_outbound_call(db(), tenant, call);
  ASSERT_EQ(created.result, outbound_result::created);
  ASSERT_NE(created.lead_id, stored.id);

  auto copy = find_lead(db(), tenant, created.lead_id);
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->campaign_id, created.campaign_id);
  EXPECT_EQ(copy->phone, stored.phone);
  EXPECT_EQ(copy->name, "Ada Lovelace");
  EXPECT_EQ(copy->email, "ada@example.com");
  EXPECT_EQ(copy->company, "Engines Ltd");
  EXPECT_EQ(copy->country_iso, "US");
  EXPECT_EQ(copy->timezone, "America/Chicago");
  EXPECT_EQ(copy->nature, "b2c");
  EXPECT_EQ(copy->consent_status, "granted");
  EXPECT_EQ(copy->consent_basis, "web form");
  EXPECT_TRUE(copy->quiet_hours_disabled);
  EXPECT_EQ(copy->metadata_json, R"({"crm": 7})");
  EXPECT_EQ(copy->status, "pending");
  EXPECT_EQ(find_campaign(db(), tenant, created.campaign_id)->metadata_json,
            R"({"ticket": "T-42"})");

  auto after = find_lead(db(), tenant, stored.id);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->campaign_id, campaign.campaign.id);
  EXPECT_EQ(after->status, "pending");
}

TEST(outbound_calls, another_tenants_lead_is_not_usable_and_nothing_is_stored) {
  const id_t a = test::new_tenant();
  const id_t b = test::new_tenant();
  auto theirs = insert_lead(db(), a, test::lead_in(std::nullopt));

  auto call = call_to(b, theirs.phone);
  call.source_lead_id = theirs.id;
  auto refused = create_outbound_call(db(), b, call);
  EXPECT_EQ(refused.result, outbound_result::lead_not_found);
  EXPECT_EQ(refused.campaign_id, 0);
  EXPECT_EQ(campaign_rows_of(b), 0);
  EXPECT_EQ(leads_of(b), 0);
  EXPECT_EQ(campaign_rows_of(a), 0);
  EXPECT_EQ(leads_of(a), 1);

  call.source_lead_id = 99'999'999;
  EXPECT_EQ(create_outbound_call(db(), b, call).result, outbound_result::lead_not_found);
  EXPECT_EQ(campaign_rows_of(b), 0);
}

TEST(outbound_calls, another_tenants_agent_is_refused_and_nothing_is_stored) {
  const id_t a = test::new_tenant();
  const id_t b = test::new_tenant();
  auto call = call_to(a, "+12125550124");
  EXPECT_THROW(create_outbound_call(db(), b, call), storage_error);
  EXPECT_EQ(campaign_rows_of(b), 0);
  EXPECT_EQ(leads_of(b), 0);
}

TEST(outbound_calls, a_lead_whose_number_changed_meanwhile_stores_nothing) {
  const id_t tenant = test::new_tenant();
  auto stored = insert_lead(db(), tenant, test::lead_in(std::nullopt));
  auto call = call_to(tenant, "+12125550125");
  call.source_lead_id = stored.id;
  EXPECT_EQ(create_outbound_call(db(), tenant, call).result, outbound_result::phone_changed);
  EXPECT_EQ(campaign_rows_of(tenant), 0);
  EXPECT_EQ(leads_of(tenant), 1);
}

TEST(outbound_calls, campaign_and_lead_are_stored_in_one_transaction) {
  const id_t tenant = test::new_tenant();
  // The lead insert fails after the campaign's: the campaign must not stay behind.
  db().transact([](pqxx::dbtransaction& tx) {
    tx.exec0(
        "CREATE FUNCTION refuse_test_lead() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN IF NEW.phone = '+12125550199' THEN RAISE EXCEPTION 'refused for the test';"
        " END IF; RETURN NEW; END $$");
    tx.exec0(
        "CREATE TRIGGER refuse_test_lead BEFORE INSERT ON leads FOR EACH ROW"
        " EXECUTE FUNCTION refuse_test_lead()");
  });
  auto call = call_to(tenant, "+12125550199");
  EXPECT_THROW(create_outbound_call(db(), tenant, call), storage_error);
  db().transact([](pqxx::dbtransaction& tx) {
    tx.exec0("DROP TRIGGER refuse_test_lead ON leads");
    tx.exec0("DROP FUNCTION refuse_test_lead()");
  });
  EXPECT_EQ(campaign_rows_of(tenant), 0);
  EXPECT_EQ(leads_of(tenant), 0);
}

TEST(outbound_calls, the_campaign_lists_leave_them_out_but_find_them_by_id) {
  const id_t tenant = test::new_tenant();
  auto proper = test::new_campaign(tenant);
  transition_campaign(db(), tenant, proper.campaign.id, campaign_status::draft,
                      campaign_status::running);
  auto created = create_outbound_call(db(), tenant, call_to(tenant, "+12125550126"));
  ASSERT_EQ(created.result, outbound_result::created);

  auto all = list_campaigns(db(), tenant, "", 50, 0);
  EXPECT_EQ(all.total, 1);
  ASSERT_EQ(all.items.size(), 1u);
  EXPECT_EQ(all.items[0].id, proper.campaign.id);
  EXPECT_EQ(all.items[0].kind, "campaign");
  auto running = list_campaigns(db(), tenant, "running", 50, 0);
  EXPECT_EQ(running.total, 1);
  ASSERT_EQ(running.items.size(), 1u);
  EXPECT_EQ(running.items[0].id, proper.campaign.id);

  EXPECT_TRUE(find_campaign(db(), tenant, created.campaign_id));
  EXPECT_FALSE(find_campaign(db(), test::new_tenant(), created.campaign_id));
  auto stats = stats_of_campaign(db(), tenant, created.campaign_id, test::jan_1_2030);
  EXPECT_EQ(stats.total_leads, 1);
  EXPECT_EQ(stats.calls_queued, 1);
}

}  // namespace
}  // namespace dialer::storage
