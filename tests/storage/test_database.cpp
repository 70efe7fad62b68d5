#include "test_database.hpp"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>

#include <gtest/gtest.h>
#include <unistd.h>
#include <pqxx/pqxx>

#include "storage/accounts.hpp"
#include "storage/catalog.hpp"

namespace dialer::storage::test {
namespace {

bool server_configured() {
  for (const char* var : {"PGHOST", "PGPORT", "PGDATABASE", "PGSERVICE"})
    if (std::getenv(var) != nullptr) return true;
  return false;
}

/// Creates the run's database before any test and drops it after the last one.
class run_environment : public ::testing::Environment {
 public:
  void SetUp() override {
    try {
      pqxx::connection probe{""};
    } catch (const std::exception& e) {
      // A database test without a database fails: it must never pass by being skipped.
      if (!server_configured())
        FAIL() << "no PostgreSQL server configured (run under pg_virtualenv): " << e.what();
      FAIL() << "cannot reach the PostgreSQL server of the PG* environment: " << e.what();
    }
    scratch_ = std::make_unique<scratch_database>();
    db_ = std::make_unique<database>(scratch_->url(), 4);
    migrations_applied_ = db_->migrate();
  }

  void TearDown() override {
    db_.reset();
    scratch_.reset();
  }

  database& db() { return *db_; }
  const std::string& url() { return scratch_->url(); }
  int migrations_applied() const { return migrations_applied_; }

 private:
  std::unique_ptr<scratch_database> scratch_;
  std::unique_ptr<database> db_;
  int migrations_applied_ = 0;
};

run_environment* const environment =
    static_cast<run_environment*>(::testing::AddGlobalTestEnvironment(new run_environment));

std::atomic<int> counter{0};

}  // namespace

void exec_on_server(const std::string& sql) {
  pqxx::connection server{""};
  pqxx::nontransaction w(server);
  w.exec(sql);
}

scratch_database::scratch_database() {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  name_ = "dialer_test_" + std::to_string(::getpid()) + "_" + std::to_string(now) + "_" +
          std::to_string(counter++);
  url_ = "dbname=" + name_;
  exec_on_server("CREATE DATABASE " + name_);
}

scratch_database::~scratch_database() {
  try {
    exec_on_server("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception&) {
    // A leftover scratch database only costs disk in a throwaway cluster.
  }
}

database& db() {
  return environment->db();
}
const std::string& db_url() {
  return environment->url();
}
int migrations_applied_at_start() {
  return environment->migrations_applied();
}

std::string unique(const std::string& prefix) {
  return prefix + std::to_string(::getpid()) + "_" + std::to_string(counter++);
}

id_t new_tenant(const std::string& company) {
  registration r;
  r.company = company;
  r.email = unique("admin") + "@example.com";
  r.name = "Admin";
  r.password_hash = "hash";
  r.password_salt = "salt";
  return register_tenant(db(), r).first;
}

campaign_setup new_campaign(id_t tenant_id, std::int32_t max_attempts) {
  campaign_setup s;
  s.tenant_id = tenant_id;
  agent_row agent;
  agent.name = "Sales bot";
  agent.retell_agent_id = unique("agent_");
  s.agent_id = insert_agent(db(), tenant_id, agent).id;

  campaign_row c;
  c.name = unique("campaign ");
  c.agent_id = s.agent_id;
  c.from_number = "+14155550100";
  c.max_concurrent_calls = 5;
  c.max_attempts = max_attempts;
  s.campaign = insert_campaign(db(), tenant_id, c);
  s.plan = *load_campaign_plan(db(), tenant_id, s.campaign.id);
  return s;
}

lead_row lead_in(std::optional<id_t> campaign_id, std::int32_t priority) {
  static std::atomic<long> next_phone{0};
  lead_row l;
  l.campaign_id = campaign_id;
  l.name = "Lead";
  l.phone = "+1415" + std::to_string(5000000 + next_phone++);
  l.country_iso = "US";
  l.timezone = "America/Los_Angeles";
  l.priority = priority;
  return l;
}

}  // namespace dialer::storage::test
