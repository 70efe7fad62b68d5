#include "storage/accounts.hpp"

#include <cctype>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "test_database.hpp"

namespace dialer::storage {
namespace {

using test::db;

registration registration_for(const std::string& email) {
  registration r;
  r.company = "Globex";
  r.email = email;
  r.name = "Hank";
  r.password_hash = "pbkdf2-hash";
  r.password_salt = "salt-bytes";
  return r;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::int64_t tenants_named(const std::string& name) {
  std::int64_t n = 0;
  db().transact([&](pqxx::dbtransaction& tx) {
    n = tx.exec_params1("SELECT count(*) FROM tenants WHERE name = $1", name)[0].as<std::int64_t>();
  });
  return n;
}

TEST(accounts, register_creates_tenant_and_admin_user) {
  const auto email = test::unique("hank") + "@globex.example";
  auto [tenant_id, user_id] = register_tenant(db(), registration_for(email));
  EXPECT_GT(tenant_id, 0);
  EXPECT_GT(user_id, 0);

  auto user = find_user(db(), tenant_id, user_id);
  ASSERT_TRUE(user);
  EXPECT_EQ(user->id, user_id);
  EXPECT_EQ(user->tenant_id, tenant_id);
  EXPECT_EQ(user->email, email);
  EXPECT_EQ(user->name, "Hank");
  EXPECT_EQ(user->password_hash, "pbkdf2-hash");
  EXPECT_EQ(user->password_salt, "salt-bytes");
  EXPECT_TRUE(user->is_admin);

  auto tenant = find_tenant(db(), tenant_id);
  ASSERT_TRUE(tenant);
  EXPECT_EQ(tenant->id, tenant_id);
  EXPECT_EQ(tenant->name, "Globex");
  EXPECT_GE(tenant->webhook_hook_id.size(), 16u);
}

TEST(accounts, webhook_hook_ids_are_unique_per_tenant) {
  auto a = find_tenant(db(), test::new_tenant());
  auto b = find_tenant(db(), test::new_tenant());
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->webhook_hook_id, b->webhook_hook_id);
}

TEST(accounts, find_user_by_email_ignores_case) {
  const auto email = test::unique("mixed.Case") + "@Example.com";
  auto ids = register_tenant(db(), registration_for(email));
  auto found = find_user_by_email(db(), upper(email));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, ids.second);
  EXPECT_EQ(found->tenant_id, ids.first);
  EXPECT_FALSE(find_user_by_email(db(), "nobody-" + email));
}

TEST(accounts, duplicate_email_in_any_case_is_a_conflict_and_creates_no_tenant) {
  const auto email = test::unique("dup") + "@example.com";
  register_tenant(db(), registration_for(email));
  auto again = registration_for(upper(email));
  again.company = test::unique("Second company ");
  EXPECT_THROW(register_tenant(db(), again), conflict_error);
  EXPECT_EQ(tenants_named(again.company), 0);
}

TEST(accounts, a_tenant_cannot_find_another_tenants_user) {
  auto a = register_tenant(db(), registration_for(test::unique("a") + "@example.com"));
  auto b = register_tenant(db(), registration_for(test::unique("b") + "@example.com"));
  EXPECT_TRUE(find_user(db(), a.first, a.second));
  EXPECT_FALSE(find_user(db(), b.first, a.second));
  EXPECT_FALSE(find_user(db(), a.first, b.second));
}

TEST(accounts, unknown_tenant_is_not_found) {
  EXPECT_FALSE(find_tenant(db(), 987654321));
}

}  // namespace
}  // namespace dialer::storage
