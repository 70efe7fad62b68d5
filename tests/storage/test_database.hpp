#pragma once

#include <optional>
#include <string>

#include "storage/campaigns.hpp"
#include "storage/database.hpp"
#include "storage/rows.hpp"

namespace dialer::storage::test {

/// A database created for one run of the test binary on the server named by the PG*
/// environment variables (pg_virtualenv sets them), dropped when it goes away.
class scratch_database {
 public:
  scratch_database();
  ~scratch_database();
  scratch_database(const scratch_database&) = delete;
  scratch_database& operator=(const scratch_database&) = delete;

  /// Connection string of this database (the rest comes from the environment).
  const std::string& url() const { return url_; }
  /// Its name.
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::string url_;
};

/// Runs one statement on the server's default database (test setup only).
void exec_on_server(const std::string& sql);

/// The migrated database shared by the tests of this run.
database& db();
/// Connection string of that database.
const std::string& db_url();
/// What migrate() returned when the run's database was created.
int migrations_applied_at_start();

/// A string that no other call in this run returns.
std::string unique(const std::string& prefix);

/// Registers a fresh tenant (with a unique admin e-mail); returns its id.
id_t new_tenant(const std::string& company = "Acme");

/// A tenant's campaign with its agent, ready to dial.
struct campaign_setup {
  id_t tenant_id = 0;
  id_t agent_id = 0;
  campaign_row campaign;
  campaign_plan plan;
};

/// Creates an agent and a draft campaign for the tenant.
campaign_setup new_campaign(id_t tenant_id, std::int32_t max_attempts = 3);

/// A lead with a unique phone number in the campaign (if given).
lead_row lead_in(std::optional<id_t> campaign_id, std::int32_t priority = 0);

/// 2030-01-01T00:00:00Z in milliseconds since the epoch.
constexpr epoch_ms jan_1_2030 = 1893456000000;

}  // namespace dialer::storage::test
