// Deterministic tests of the provider account registry with two tenants on CAF's test
// scheduler: a tenant with its own provider key dials through its own gateway, every other
// tenant through the platform's; a change of settings moves new calls only; calls followed
// again after a restart ask the tenant's account.

#include <map>
#include <set>
#include <stdexcept>

#include "actors/provider_accounts.hpp"
#include "engine_test_bed.hpp"
#include "routing_store.hpp"

namespace dialer::actors::test {
namespace {

constexpr id_t tenant_a = 7;  ///< has its own provider account
constexpr id_t campaign_a = 70;
constexpr id_t tenant_b = 8;  ///< uses the platform account
constexpr id_t campaign_b = 80;

/// Two tenants' journals behind one engine_store (each fake_store holds one campaign), and the
/// tenants' provider settings as the tenants table would hold them.
class tenant_stores final : public routing_store {
 public:
  std::map<id_t, fake_store*> by_tenant;
  std::map<id_t, provider_account> accounts;  ///< tenants with their own key
  int account_reads = 0;
  bool accounts_unreadable = false;  ///< the database is away for the settings

  fake_store& of(id_t tenant_id, id_t) override { return *by_tenant.at(tenant_id); }

  std::optional<provider_account> provider_account_of(id_t tenant_id) override {
    ++account_reads;
    if (accounts_unreadable) throw std::runtime_error("database away");
    auto it = accounts.find(tenant_id);
    if (it == accounts.end()) return std::nullopt;
    return it->second;
  }
};

class provider_accounts : public engine_test_bed {
 protected:
  provider_accounts() {
    init_campaign(a_, tenant_a, campaign_a, 1);
    init_campaign(b_, tenant_b, campaign_b, 1001);  // attempt ids of both tenants stay apart
    store_.by_tenant = {{tenant_a, &a_}, {tenant_b, &b_}};
    store_.stores = {&a_, &b_};
    ctx_->gateway = system_->spawn(stub_gateway, &platform_);
    ctx_->accounts = spawn_provider_accounts(
        *system_, ctx_, ctx_->gateway,
        [this](caf::event_based_actor* registry, id_t tenant, const provider_account& account) {
          spawned_.emplace_back(tenant, account);
          return registry->spawn<caf::linked>(stub_gateway, &own_[tenant]);
        });
    start_engine(store_);
  }

  ~provider_accounts() override { stop_engine(); }

  static void init_campaign(fake_store& s, id_t tenant, id_t campaign, id_t first_attempt) {
    s.plan.id = campaign;
    s.plan.tenant_id = tenant;
    s.plan.from_number = "+14155550100";
    s.plan.max_concurrent_calls = 3;
    s.plan.max_attempts = 1;
    s.next_attempt_id = first_attempt;
  }

  void start(id_t tenant, id_t campaign) {
    send_status(tenant, campaign, campaign_status::running);
  }

  /// The tenant stored new provider settings (PUT /settings/provider), as the engine hears it.
  void settings_changed(id_t tenant) {
    caf::anon_send(ctx_->accounts, account_changed_atom::value, tenant);
    run();
  }

  /// The provider ends the call of `attempt` (call_ended then call_analyzed webhooks).
  void end_call(id_t tenant, id_t attempt) {
    platform_.live.erase(attempt);
    for (auto& [t, script] : own_) script.live.erase(attempt);
    hang_up(tenant, attempt);
  }

  /// Ends every call some gateway has live until nothing is live any more.
  void end_everything() {
    for (int guard = 0; guard < 100; ++guard) {
      std::vector<std::pair<id_t, id_t>> live;  // (tenant, attempt)
      for (auto a : platform_.live) live.emplace_back(tenant_of(a), a);
      for (auto& [t, script] : own_)
        for (auto a : script.live) live.emplace_back(tenant_of(a), a);
      if (live.empty()) return;
      for (auto [tenant, attempt] : live) end_call(tenant, attempt);
    }
  }

  static id_t tenant_of(id_t attempt) { return attempt > 1000 ? tenant_b : tenant_a; }

  static std::set<id_t> tenants_of(const std::vector<dial_attempt>& dials) {
    std::set<id_t> out;
    for (const auto& d : dials) out.insert(d.tenant_id);
    return out;
  }

  fake_store a_;
  fake_store b_;
  tenant_stores store_;
  provider_script platform_;
  std::map<id_t, provider_script> own_;                     ///< tenant -> its own gateway's script
  std::vector<std::pair<id_t, provider_account>> spawned_;  ///< own gateways spawned, in order
};

const provider_account key_one{"key_tenant_a_one", "http://127.0.0.1:9001"};
const provider_account key_two{"key_tenant_a_two", ""};

TEST_F(provider_accounts,
       calls_of_a_tenant_with_its_own_account_go_to_its_gateway_others_to_the_platform) {
  store_.accounts[tenant_a] = key_one;
  a_.add_leads(5);
  b_.add_leads(5);
  start(tenant_a, campaign_a);
  start(tenant_b, campaign_b);

  ASSERT_EQ(spawned_.size(), 1u) << "one gateway, for the one tenant with its own key";
  EXPECT_EQ(spawned_[0].first, tenant_a);
  EXPECT_EQ(spawned_[0].second, key_one);
  EXPECT_EQ(own_.count(tenant_b), 0u);
  EXPECT_EQ(own_[tenant_a].dials.size(), 3u);
  EXPECT_EQ(platform_.dials.size(), 3u);

  end_everything();
  EXPECT_EQ(own_[tenant_a].dials.size(), 5u);
  EXPECT_EQ(platform_.dials.size(), 5u);
  EXPECT_EQ(tenants_of(own_[tenant_a].dials), std::set<id_t>{tenant_a})
      << "the own account places only its tenant's calls";
  EXPECT_EQ(tenants_of(platform_.dials), std::set<id_t>{tenant_b})
      << "the platform never places a call of a tenant with its own key";
  EXPECT_EQ(own_[tenant_a].freed.size(), 5u) << "lines are given back where they were taken";
  EXPECT_EQ(platform_.freed.size(), 5u);
  for (auto attempt : platform_.freed) EXPECT_EQ(tenant_of(attempt), tenant_b);
  EXPECT_EQ(a_.count(lead_status::completed), 5);
  EXPECT_EQ(b_.count(lead_status::completed), 5);
  EXPECT_EQ(a_.status, campaign_status::completed);
  EXPECT_EQ(b_.status, campaign_status::completed);
  EXPECT_EQ(store_.account_reads, 2) << "each tenant's settings are read once, then cached";
}

TEST_F(provider_accounts,
       a_settings_change_moves_new_calls_and_leaves_calls_in_flight_on_their_account) {
  store_.accounts[tenant_a] = key_one;
  a_.plan.max_concurrent_calls = 2;
  a_.add_leads(6);
  start(tenant_a, campaign_a);
  auto& own = own_[tenant_a];
  ASSERT_EQ(own.dials.size(), 2u);  // attempts 1 and 2

  // The tenant removes its key: new calls go back to the platform.
  store_.accounts.erase(tenant_a);
  settings_changed(tenant_a);
  end_call(tenant_a, 1);
  EXPECT_EQ(own.freed, std::vector<id_t>{1}) << "a call in flight frees its line on its account";
  ASSERT_EQ(platform_.dials.size(), 1u) << "the next call is placed on the platform";
  EXPECT_EQ(platform_.dials[0].attempt_id, 3);
  EXPECT_EQ(own.dials.size(), 2u);

  // The watchdog asks where calls stand: each on the account it was placed on.
  advance(std::chrono::minutes(61));
  EXPECT_EQ(own.syncs, std::vector<id_t>{2});
  EXPECT_EQ(platform_.syncs, std::vector<id_t>{3});

  // A new key: the tenant's gateway gets the new settings (no second gateway); new calls go there.
  store_.accounts[tenant_a] = key_two;
  settings_changed(tenant_a);
  EXPECT_EQ(spawned_.size(), 1u);
  ASSERT_EQ(own.accounts.size(), 1u);
  EXPECT_EQ(own.accounts[0], key_two);
  end_call(tenant_a, 2);
  EXPECT_EQ(own.freed, (std::vector<id_t>{1, 2}));
  ASSERT_EQ(own.dials.size(), 3u);
  EXPECT_EQ(own.dials[2].attempt_id, 4);
  end_call(tenant_a, 3);
  EXPECT_EQ(platform_.freed, std::vector<id_t>{3}) << "the platform call ends on the platform";
  EXPECT_EQ(own.dials.size(), 4u);
  EXPECT_EQ(platform_.dials.size(), 1u);
  end_everything();
  EXPECT_EQ(a_.count(lead_status::completed), 6);
  EXPECT_EQ(platform_.dials.size(), 1u);
}

TEST_F(provider_accounts, calls_followed_again_after_a_restart_ask_the_tenants_own_account) {
  store_.accounts[tenant_a] = key_one;
  a_.add_leads(5);
  start(tenant_a, campaign_a);
  auto& own = own_[tenant_a];
  ASSERT_EQ(own.dials.size(), 3u);
  auto first = campaign_actor(campaign_a);
  ASSERT_TRUE(first);
  caf::anon_send_exit(first, caf::exit_reason::unhandled_exception);
  run();
  advance(std::chrono::seconds(1));
  ASSERT_TRUE(campaign_actor(campaign_a)) << "the campaign restarted";
  EXPECT_EQ(own.syncs.size(), 3u) << "each open attempt is looked up on the tenant's account";
  EXPECT_TRUE(platform_.syncs.empty());
  EXPECT_TRUE(platform_.dials.empty());
  end_everything();
  EXPECT_EQ(a_.count(lead_status::completed), 5);
  EXPECT_TRUE(platform_.dials.empty());
}

TEST_F(provider_accounts, calls_wait_while_the_settings_cannot_be_read_and_never_use_the_platform) {
  store_.accounts[tenant_a] = key_one;
  store_.accounts_unreadable = true;
  ctx_->options.storage_retry = std::chrono::milliseconds(500);
  a_.add_leads(2);
  start(tenant_a, campaign_a);
  advance(std::chrono::seconds(2));
  EXPECT_TRUE(platform_.dials.empty()) << "no fallback to the platform account";
  EXPECT_EQ(own_.count(tenant_a), 0u);
  EXPECT_GE(store_.account_reads, 2) << "the registry reads the settings again";
  store_.accounts_unreadable = false;
  advance(std::chrono::seconds(1));
  EXPECT_EQ(own_[tenant_a].dials.size(), 2u) << "the waiting calls go out on the own account";
  EXPECT_TRUE(platform_.dials.empty());
}

}  // namespace
}  // namespace dialer::actors::test
