#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "storage/accounts.hpp"
#include "storage/api_keys.hpp"
#include "test_database.hpp"

namespace dialer::storage {
namespace {

using test::db;

/// The admin user of a fresh tenant.
user_row admin_of(id_t tenant) {
  std::optional<user_row> admin;
  db().transact([&](pqxx::dbtransaction& tx) {
    auto r = tx.exec_params("SELECT id FROM users WHERE tenant_id = $1", tenant);
    admin = find_user(db(), tenant, r[0][0].as<id_t>());
  });
  return *admin;
}

/// A digest no other test uses (the column only needs uniqueness).
std::string unique_digest() {
  std::string d = test::unique("digest_");
  return d + std::string(64 - d.size(), '0');
}

api_key_row key_named(const user_row& by, const std::string& name, const std::string& role) {
  api_key_row k;
  k.created_by = by.id;
  k.name = name;
  k.role = role;
  k.key_prefix = "dk_" + test::unique("").substr(0, 8);
  return k;
}

TEST(api_access, a_registered_admin_has_the_admin_role) {
  const id_t tenant = test::new_tenant();
  auto admin = admin_of(tenant);
  EXPECT_TRUE(admin.is_admin);
  EXPECT_EQ(admin.role, "admin");
}

TEST(api_access, role_and_admin_flag_must_agree) {
  const id_t tenant = test::new_tenant();
  EXPECT_THROW(db().transact([&](pqxx::dbtransaction& tx) {
    tx.exec_params(
        "INSERT INTO users (tenant_id, email, password_hash, password_salt, is_admin, role)"
        " VALUES ($1, $2, 'h', 's', true, 'viewer')",
        tenant, test::unique("v") + "@example.com");
  }),
               storage_error);
  db().transact([&](pqxx::dbtransaction& tx) {
    tx.exec_params(
        "INSERT INTO users (tenant_id, email, password_hash, password_salt, role)"
        " VALUES ($1, $2, 'h', 's', 'viewer')",
        tenant, test::unique("v") + "@example.com");
  });
}

TEST(api_access, keys_are_stored_by_digest_listed_newest_first_and_found) {
  const id_t tenant = test::new_tenant();
  auto admin = admin_of(tenant);
  const std::string digest1 = unique_digest();
  const std::string digest2 = unique_digest();
  auto first = insert_api_key(db(), tenant, key_named(admin, "ci", "user"), digest1);
  auto second = insert_api_key(db(), tenant, key_named(admin, "grafana", "viewer"), digest2);
  EXPECT_EQ(first.tenant_id, tenant);
  EXPECT_EQ(first.created_by, admin.id);
  EXPECT_EQ(first.role, "user");
  EXPECT_EQ(second.role, "viewer");
  EXPECT_EQ(first.created_at.size(), 20u);

  auto all = list_api_keys(db(), tenant);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, second.id);
  EXPECT_EQ(all[1].name, "ci");

  auto found = find_api_key(db(), digest2);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, second.id);
  EXPECT_EQ(found->tenant_id, tenant);
  EXPECT_FALSE(find_api_key(db(), std::string(64, 'f')));
}

TEST(api_access, the_same_digest_twice_is_a_conflict) {
  const id_t tenant = test::new_tenant();
  auto admin = admin_of(tenant);
  const std::string digest = unique_digest();
  insert_api_key(db(), tenant, key_named(admin, "one", "user"), digest);
  EXPECT_THROW(insert_api_key(db(), tenant, key_named(admin, "two", "user"), digest),
               conflict_error);
}

TEST(api_access, an_unknown_role_is_refused) {
  const id_t tenant = test::new_tenant();
  auto admin = admin_of(tenant);
  EXPECT_THROW(insert_api_key(db(), tenant, key_named(admin, "x", "root"), std::string(64, 'e')),
               storage_error);
}

TEST(api_access, a_key_is_deleted_only_by_its_tenant) {
  const id_t a = test::new_tenant();
  const id_t b = test::new_tenant();
  auto admin = admin_of(a);
  const std::string digest = unique_digest();
  auto key = insert_api_key(db(), a, key_named(admin, "ci", "admin"), digest);
  EXPECT_TRUE(list_api_keys(db(), b).empty());
  EXPECT_FALSE(delete_api_key(db(), b, key.id));
  EXPECT_TRUE(find_api_key(db(), digest));
  EXPECT_TRUE(delete_api_key(db(), a, key.id));
  EXPECT_FALSE(find_api_key(db(), digest));
  EXPECT_FALSE(delete_api_key(db(), a, key.id));
}

TEST(api_access, a_key_cannot_name_another_tenants_user_as_its_creator) {
  const id_t a = test::new_tenant();
  const id_t b = test::new_tenant();
  auto admin_b = admin_of(b);
  EXPECT_THROW(insert_api_key(db(), a, key_named(admin_b, "x", "user"), std::string(64, '9')),
               storage_error);
}

TEST(api_access, provider_account_is_set_found_by_hook_and_cleared) {
  const id_t tenant = test::new_tenant();
  auto before = find_tenant(db(), tenant);
  ASSERT_TRUE(before);
  EXPECT_FALSE(before->retell_api_key);
  EXPECT_EQ(before->webhook_hook_id.size(), 32u);

  auto set = set_provider_account(db(), tenant, std::string("key_tenant_own"),
                                  std::string("https://retell.example"));
  ASSERT_TRUE(set);
  EXPECT_EQ(set->retell_api_key, "key_tenant_own");
  EXPECT_EQ(set->retell_base_url, "https://retell.example");

  auto by_hook = find_tenant_by_hook(db(), before->webhook_hook_id);
  ASSERT_TRUE(by_hook);
  EXPECT_EQ(by_hook->id, tenant);
  EXPECT_EQ(by_hook->retell_api_key, "key_tenant_own");
  EXPECT_FALSE(find_tenant_by_hook(db(), "no-such-hook"));

  auto cleared = set_provider_account(db(), tenant, std::nullopt, std::nullopt);
  ASSERT_TRUE(cleared);
  EXPECT_FALSE(cleared->retell_api_key);
  EXPECT_FALSE(cleared->retell_base_url);
  EXPECT_FALSE(set_provider_account(db(), 999'999'999, std::string("k"), std::nullopt));
}

TEST(api_access, provider_accounts_of_tenants_are_separate) {
  const id_t a = test::new_tenant();
  const id_t b = test::new_tenant();
  set_provider_account(db(), a, std::string("key_a"), std::nullopt);
  EXPECT_FALSE(find_tenant(db(), b)->retell_api_key);
  EXPECT_NE(find_tenant(db(), a)->webhook_hook_id, find_tenant(db(), b)->webhook_hook_id);
}

}  // namespace
}  // namespace dialer::storage
