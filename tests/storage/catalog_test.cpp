#include "storage/catalog.hpp"

#include <gtest/gtest.h>

#include "test_database.hpp"

namespace dialer::storage {
namespace {

using test::db;

agent_row agent_named(const std::string& name) {
  agent_row a;
  a.name = name;
  a.retell_agent_id = test::unique("agent_");
  a.lang = "en-US";
  a.voice_id = "11labs-Adrian";
  return a;
}

number_row number_of(const std::string& e164) {
  number_row n;
  n.e164 = e164;
  n.provider = "retell";
  n.country = "US";
  n.status = "active";
  n.calls_per_second = 2;
  return n;
}

TEST(catalog, agents_are_stored_listed_newest_first_and_found) {
  const id_t tenant = test::new_tenant();
  auto first = insert_agent(db(), tenant, agent_named("First"));
  auto second = insert_agent(db(), tenant, agent_named("Second"));
  EXPECT_EQ(first.tenant_id, tenant);
  EXPECT_EQ(first.name, "First");
  EXPECT_EQ(first.lang, "en-US");
  EXPECT_EQ(first.voice_id, "11labs-Adrian");
  EXPECT_EQ(first.created_at.size(), 20u) << first.created_at;
  EXPECT_EQ(first.created_at.back(), 'Z');

  auto all = list_agents(db(), tenant);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, second.id);
  EXPECT_EQ(all[1].id, first.id);

  auto found = find_agent(db(), tenant, first.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->retell_agent_id, first.retell_agent_id);
}

TEST(catalog, agent_row_ids_in_the_input_are_ignored) {
  const id_t tenant = test::new_tenant();
  const id_t other = test::new_tenant();
  auto row = agent_named("Spoofed");
  row.id = 12345678;
  row.tenant_id = other;
  auto stored = insert_agent(db(), tenant, row);
  EXPECT_NE(stored.id, 12345678);
  EXPECT_EQ(stored.tenant_id, tenant);
  EXPECT_TRUE(list_agents(db(), other).empty());
}

TEST(catalog, agents_of_another_tenant_are_invisible) {
  const id_t a = test::new_tenant();
  const id_t b = test::new_tenant();
  auto agent = insert_agent(db(), a, agent_named("Private"));
  EXPECT_FALSE(find_agent(db(), b, agent.id));
  EXPECT_TRUE(list_agents(db(), b).empty());
}

TEST(catalog, numbers_are_stored_listed_and_found_by_id_and_e164) {
  const id_t tenant = test::new_tenant();
  auto n1 = insert_number(db(), tenant, number_of("+14155550001"));
  auto n2 = insert_number(db(), tenant, number_of("+14155550002"));
  EXPECT_EQ(n1.e164, "+14155550001");
  EXPECT_EQ(n1.provider, "retell");
  EXPECT_EQ(n1.country, "US");
  EXPECT_EQ(n1.status, "active");
  EXPECT_EQ(n1.calls_per_second, 2);

  auto all = list_numbers(db(), tenant);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, n2.id);

  auto by_id = find_number(db(), tenant, n1.id);
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->e164, "+14155550001");
  auto by_e164 = find_number_by_e164(db(), tenant, "+14155550002");
  ASSERT_TRUE(by_e164);
  EXPECT_EQ(by_e164->id, n2.id);
  EXPECT_FALSE(find_number_by_e164(db(), tenant, "+14155550003"));
}

TEST(catalog, number_defaults_apply_to_empty_fields) {
  const id_t tenant = test::new_tenant();
  number_row bare;
  bare.e164 = "+442071838750";
  auto stored = insert_number(db(), tenant, bare);
  EXPECT_EQ(stored.provider, "retell");
  EXPECT_EQ(stored.status, "active");
  EXPECT_EQ(stored.calls_per_second, 1);
}

TEST(catalog, duplicate_number_of_a_tenant_is_a_conflict_but_another_tenant_may_have_it) {
  const id_t a = test::new_tenant();
  const id_t b = test::new_tenant();
  insert_number(db(), a, number_of("+14155550009"));
  EXPECT_THROW(insert_number(db(), a, number_of("+14155550009")), conflict_error);
  EXPECT_NO_THROW(insert_number(db(), b, number_of("+14155550009")));
  EXPECT_EQ(list_numbers(db(), a).size(), 1u);
}

TEST(catalog, invalid_number_status_is_a_storage_error) {
  const id_t tenant = test::new_tenant();
  auto n = number_of("+14155550010");
  n.status = "stolen";
  try {
    insert_number(db(), tenant, n);
    FAIL() << "expected storage_error";
  } catch (const conflict_error&) {
    FAIL() << "a check violation is not a conflict";
  } catch (const storage_error&) {
  }
}

TEST(catalog, numbers_of_another_tenant_are_invisible) {
  const id_t a = test::new_tenant();
  const id_t b = test::new_tenant();
  auto n = insert_number(db(), a, number_of("+14155550011"));
  EXPECT_FALSE(find_number(db(), b, n.id));
  EXPECT_FALSE(find_number_by_e164(db(), b, "+14155550011"));
  EXPECT_TRUE(list_numbers(db(), b).empty());
}

}  // namespace
}  // namespace dialer::storage
