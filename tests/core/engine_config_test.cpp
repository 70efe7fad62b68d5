#include "core/engine_config.hpp"

#include <gtest/gtest.h>

namespace dialer {
namespace {

const std::map<std::string, std::string> required = {{"jwt_secret", "0123456789abcdef"},
                                                     {"retell.api_key", "key"}};

TEST(engine_config, defaults_and_file_values) {
  auto values = required;
  values["listen"] = "0.0.0.0:9000";
  values["engine.hopper_batch"] = "50";
  values["retell.base_url"] = "http://127.0.0.1:7000/";
  auto r = build_engine_config(values, {});
  ASSERT_TRUE(r.errors.empty()) << r.errors.front();
  EXPECT_EQ(r.config.listen_host, "0.0.0.0");
  EXPECT_EQ(r.config.listen_port, 9000);
  EXPECT_EQ(r.config.hopper_batch, 50);
  EXPECT_EQ(r.config.standby_dials, 8) << "standby dials are on unless configured off";
  EXPECT_EQ(r.config.retell_base_url, "http://127.0.0.1:7000");
  EXPECT_EQ(r.config.log_level, "info");
}

TEST(engine_config, environment_overrides_the_file) {
  auto values = required;
  values["listen"] = "127.0.0.1:9000";
  auto r = build_engine_config(values, {{"DIALER_LISTEN", "127.0.0.1:0"},
                                        {"RETELL_API_KEY", "from_env"},
                                        {"DATABASE_URL", "postgresql:///x"}});
  ASSERT_TRUE(r.errors.empty());
  EXPECT_EQ(r.config.listen_port, 0);
  EXPECT_EQ(r.config.retell_api_key, "from_env");
  EXPECT_EQ(r.config.database_url, "postgresql:///x");
}

TEST(engine_config, unknown_keys_bad_values_and_missing_settings_are_errors) {
  auto r = build_engine_config({{"listen", "nohostport"},
                                {"engine.hoper_batch", "5"},
                                {"engine.storage_threads", "many"},
                                {"log_level", "loud"},
                                {"jwt_secret", "short"}},
                               {});
  std::string all;
  for (const auto& e : r.errors) all += e + "\n";
  EXPECT_NE(all.find("unknown configuration key 'engine.hoper_batch'"), std::string::npos) << all;
  EXPECT_NE(all.find("listen: must be host:port"), std::string::npos) << all;
  EXPECT_NE(all.find("engine.storage_threads: must be an integer"), std::string::npos) << all;
  EXPECT_NE(all.find("log_level"), std::string::npos) << all;
  EXPECT_NE(all.find("jwt_secret: must have at least 16"), std::string::npos) << all;
  EXPECT_NE(all.find("retell.api_key is required"), std::string::npos) << all;
}

TEST(engine_config, tenant_request_rate_has_defaults_and_bounds) {
  auto r = build_engine_config(required, {});
  ASSERT_TRUE(r.errors.empty());
  EXPECT_EQ(r.config.tenant_requests_per_second, 50);
  EXPECT_EQ(r.config.tenant_request_burst, 100);
  auto values = required;
  values["http.tenant_requests_per_second"] = "0";
  values["http.tenant_request_burst"] = "7";
  r = build_engine_config(values, {});
  ASSERT_TRUE(r.errors.empty());
  EXPECT_EQ(r.config.tenant_requests_per_second, 0);
  EXPECT_EQ(r.config.tenant_request_burst, 7);
  values["http.tenant_requests_per_second"] = "-1";
  values["http.tenant_request_burst"] = "0";
  r = build_engine_config(values, {});
  EXPECT_EQ(r.errors.size(), 2u);
}

TEST(engine_config, provider_limits_have_defaults_and_bounds) {
  auto r = build_engine_config(required, {});
  ASSERT_TRUE(r.errors.empty());
  EXPECT_EQ(r.config.retell_concurrency_limit, 0) << "0: read from the provider";
  EXPECT_EQ(r.config.retell_unregistered_number_calls_per_second, 1);
  auto values = required;
  values["retell.concurrency_limit"] = "30";
  values["retell.unregistered_number_calls_per_second"] = "200";
  r = build_engine_config(values, {});
  ASSERT_TRUE(r.errors.empty());
  EXPECT_EQ(r.config.retell_concurrency_limit, 30);
  EXPECT_EQ(r.config.retell_unregistered_number_calls_per_second, 200);
  values["retell.unregistered_number_calls_per_second"] = "0";
  r = build_engine_config(values, {});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("retell.unregistered_number_calls_per_second"), std::string::npos);
}

TEST(engine_config, log_level_and_format_come_from_the_file_or_the_environment) {
  auto r = build_engine_config(required, {});
  ASSERT_TRUE(r.errors.empty());
  EXPECT_EQ(r.config.log_level, "info");
  EXPECT_EQ(r.config.log_format, "json");
  auto values = required;
  values["log.level"] = "debug";
  values["log.format"] = "text";
  r = build_engine_config(values, {});
  ASSERT_TRUE(r.errors.empty());
  EXPECT_EQ(r.config.log_level, "debug");
  EXPECT_EQ(r.config.log_format, "text");
  r = build_engine_config(values, {{"DIALER_LOG_LEVEL", "warn"}, {"DIALER_LOG_FORMAT", "json"}});
  ASSERT_TRUE(r.errors.empty());
  EXPECT_EQ(r.config.log_level, "warn");
  EXPECT_EQ(r.config.log_format, "json");
  values["log.level"] = "verbose";
  values["log.format"] = "xml";
  r = build_engine_config(values, {});
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_NE(r.errors[0].find("log.format: must be json or text"), std::string::npos) << r.errors[0];
  EXPECT_NE(r.errors[1].find("log.level: must be one of"), std::string::npos) << r.errors[1];
  r = build_engine_config(required, {{"DIALER_LOG_FORMAT", "yaml"}});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("DIALER_LOG_FORMAT: must be json or text"), std::string::npos);
}

TEST(engine_config, the_scheduler_policy_is_sharing_unless_stealing_is_asked_for) {
  auto r = build_engine_config(required, {});
  ASSERT_TRUE(r.errors.empty());
  EXPECT_EQ(r.config.scheduler_policy, "sharing");
  auto values = required;
  values["engine.scheduler_policy"] = "stealing";
  r = build_engine_config(values, {});
  ASSERT_TRUE(r.errors.empty());
  EXPECT_EQ(r.config.scheduler_policy, "stealing");
  values["engine.scheduler_policy"] = "spinning";
  r = build_engine_config(values, {});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("engine.scheduler_policy: must be sharing or stealing"),
            std::string::npos)
      << r.errors[0];
}

TEST(engine_config, every_key_is_documented) {
  for (const auto& k : config_keys()) EXPECT_GT(std::string(k.description).size(), 5u) << k.name;
}

}  // namespace
}  // namespace dialer
