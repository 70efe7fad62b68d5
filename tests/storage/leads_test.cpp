#include "storage/leads.hpp"

#include <gtest/gtest.h>

#include "test_database.hpp"

namespace dialer::storage {
namespace {

using test::db;

TEST(leads, insert_stores_every_field_as_pending_with_no_attempts) {
  const id_t tenant = test::new_tenant();
  auto setup = test::new_campaign(tenant);
  lead_row in;
  in.campaign_id = setup.campaign.id;
  in.name = "Ada Lovelace";
  in.phone = "+447700900123";
  in.email = "ada@example.com";
  in.company = "Analytical Engines";
  in.country_iso = "GB";
  in.timezone = "Europe/London";
  in.nature = "b2b";
  in.consent_status = "granted";
  in.consent_basis = "web form 2026-01-02";
  in.quiet_hours_disabled = true;
  in.priority = 7;
  in.metadata_json = R"({"crm_id": "A-1", "tags": ["vip"]})";
  in.status = "completed";  // ignored: a new lead is pending
  in.attempts = 5;          // ignored
  in.next_attempt_at = "2026-01-15T14:30:00Z";

  auto out = insert_lead(db(), tenant, in);
  EXPECT_GT(out.id, 0);
  EXPECT_EQ(out.tenant_id, tenant);
  EXPECT_EQ(out.campaign_id, setup.campaign.id);
  EXPECT_EQ(out.name, in.name);
  EXPECT_EQ(out.phone, in.phone);
  EXPECT_EQ(out.email, in.email);
  EXPECT_EQ(out.company, in.company);
  EXPECT_EQ(out.country_iso, "GB");
  EXPECT_EQ(out.timezone, "Europe/London");
  EXPECT_EQ(out.nature, "b2b");
  EXPECT_EQ(out.consent_status, "granted");
  EXPECT_EQ(out.consent_basis, in.consent_basis);
  EXPECT_TRUE(out.quiet_hours_disabled);
  EXPECT_EQ(out.priority, 7);
  EXPECT_EQ(out.metadata_json, R"({"tags": ["vip"], "crm_id": "A-1"})");
  EXPECT_EQ(out.status, "pending");
  EXPECT_EQ(out.attempts, 0);
  EXPECT_EQ(out.next_attempt_at, "2026-01-15T14:30:00Z");
  EXPECT_EQ(out.last_disposition, "");
  EXPECT_EQ(out.terminal_reason, "");
  EXPECT_EQ(out.created_at.size(), 20u);

  auto found = find_lead(db(), tenant, out.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->metadata_json, out.metadata_json);
  EXPECT_EQ(found->next_attempt_at, out.next_attempt_at);
}

TEST(leads, defaults_for_a_minimal_lead) {
  const id_t tenant = test::new_tenant();
  lead_row in;
  in.phone = "+14155550123";
  in.nature = "";
  in.consent_status = "";
  in.metadata_json = "";
  auto out = insert_lead(db(), tenant, in);
  EXPECT_FALSE(out.campaign_id);
  EXPECT_EQ(out.nature, "unknown");
  EXPECT_EQ(out.consent_status, "unknown");
  EXPECT_EQ(out.metadata_json, "{}");
  EXPECT_FALSE(out.next_attempt_at);
}

TEST(leads, invalid_metadata_or_nature_is_a_storage_error) {
  const id_t tenant = test::new_tenant();
  auto bad_json = test::lead_in(std::nullopt);
  bad_json.metadata_json = "{not json";
  EXPECT_THROW(insert_lead(db(), tenant, bad_json), storage_error);
  auto bad_nature = test::lead_in(std::nullopt);
  bad_nature.nature = "robot";
  EXPECT_THROW(insert_lead(db(), tenant, bad_nature), storage_error);
}

TEST(leads, a_lead_cannot_join_another_tenants_campaign) {
  const id_t a = test::new_tenant();
  const id_t b = test::new_tenant();
  auto setup = test::new_campaign(a);
  EXPECT_THROW(insert_lead(db(), b, test::lead_in(setup.campaign.id)), storage_error);
  EXPECT_EQ(list_leads(db(), b, lead_filter{}).total, 0);
}

TEST(leads, insert_many_returns_ids_in_order_and_is_all_or_nothing) {
  const id_t tenant = test::new_tenant();
  std::vector<lead_row> rows{test::lead_in(std::nullopt), test::lead_in(std::nullopt),
                             test::lead_in(std::nullopt)};
  auto ids = insert_leads(db(), tenant, rows);
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_LT(ids[0], ids[1]);
  EXPECT_LT(ids[1], ids[2]);
  for (std::size_t i = 0; i < ids.size(); ++i)
    EXPECT_EQ(find_lead(db(), tenant, ids[i])->phone, rows[i].phone);

  std::vector<lead_row> with_bad_row{test::lead_in(std::nullopt), test::lead_in(std::nullopt)};
  with_bad_row[1].consent_status = "maybe";
  EXPECT_THROW(insert_leads(db(), tenant, with_bad_row), storage_error);
  EXPECT_EQ(list_leads(db(), tenant, lead_filter{}).total, 3);
}

TEST(leads, list_filters_and_paginates_with_totals) {
  const id_t tenant = test::new_tenant();
  auto c1 = test::new_campaign(tenant);
  auto c2 = test::new_campaign(tenant);
  std::vector<id_t> in_c1;
  for (int i = 0; i < 5; ++i) {
    auto l = test::lead_in(c1.campaign.id);
    l.consent_status = i % 2 == 0 ? "granted" : "denied";
    l.country_iso = i < 3 ? "US" : "FR";
    l.name = i == 4 ? "Jean 100%_real" : "Lead " + std::to_string(i);
    in_c1.push_back(insert_lead(db(), tenant, l).id);
  }
  insert_lead(db(), tenant, test::lead_in(c2.campaign.id));
  insert_lead(db(), tenant, test::lead_in(std::nullopt));

  lead_filter all;
  EXPECT_EQ(list_leads(db(), tenant, all).total, 7);

  lead_filter by_campaign;
  by_campaign.campaign_id = c1.campaign.id;
  by_campaign.limit = 2;
  by_campaign.offset = 1;
  auto page = list_leads(db(), tenant, by_campaign);
  EXPECT_EQ(page.total, 5);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].id, in_c1[1]);
  EXPECT_EQ(page.items[1].id, in_c1[2]);

  by_campaign.offset = 10;
  page = list_leads(db(), tenant, by_campaign);
  EXPECT_EQ(page.total, 5);
  EXPECT_TRUE(page.items.empty());

  lead_filter granted_us;
  granted_us.consent_status = "granted";
  granted_us.country_iso = "US";
  page = list_leads(db(), tenant, granted_us);
  EXPECT_EQ(page.total, 2);  // leads 0 and 2

  lead_filter by_status;
  by_status.status = "completed";
  EXPECT_EQ(list_leads(db(), tenant, by_status).total, 0);
  by_status.status = "pending";
  EXPECT_EQ(list_leads(db(), tenant, by_status).total, 7);

  lead_filter search;
  search.q = "100%_";  // wildcards are taken literally
  page = list_leads(db(), tenant, search);
  ASSERT_EQ(page.total, 1);
  EXPECT_EQ(page.items[0].id, in_c1[4]);
  search.q = "jean";  // case-insensitive
  EXPECT_EQ(list_leads(db(), tenant, search).total, 1);
  search.q = "%";
  EXPECT_EQ(list_leads(db(), tenant, search).total, 1);
  search.q = page.items[0].phone.substr(2);
  EXPECT_EQ(list_leads(db(), tenant, search).total, 1);
}

TEST(leads, another_tenant_never_sees_the_leads) {
  const id_t a = test::new_tenant();
  const id_t b = test::new_tenant();
  auto setup = test::new_campaign(a);
  auto lead = insert_lead(db(), a, test::lead_in(setup.campaign.id));
  EXPECT_FALSE(find_lead(db(), b, lead.id));
  lead_filter f;
  EXPECT_EQ(list_leads(db(), b, f).total, 0);
  EXPECT_TRUE(list_leads(db(), b, f).items.empty());
  f.campaign_id = setup.campaign.id;
  EXPECT_EQ(list_leads(db(), b, f).total, 0);
}

}  // namespace
}  // namespace dialer::storage
