// Compliance decisions per second on one core, with rules compiled and zones resolved ahead
// (as the campaign actor caches them). Rules come from the real config/ files. Inputs are
// generated from a fixed seed; nothing reads the wall clock except the benchmark's own timer.
//
//   make -C build compliance_bench && build/bench/compliance_bench

#include <benchmark/benchmark.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/compliance_decision.hpp"
#include "core/phone_zones.hpp"
#include "http/compliance_codec.hpp"

namespace dialer {
namespace {

std::string read_config(const char* name) {
  std::ifstream in(std::string(DIALER_SOURCE_DIR) + "/config/" + name, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("cannot read config/") + name);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// One lead as the dispatcher holds it: facts, cached zones, the campaign's compiled rules.
struct cached_lead {
  const dial_rules* rules = nullptr;
  candidate_zones zones;
  lead_facts facts;
  std::vector<epoch_ms> attempts;
};

// The world every benchmark shares, built once.
struct world {
  time_zone_cache zone_cache;
  phone_zone_table table;
  std::map<std::string, dial_rules> rules;
  std::vector<cached_lead> leads;
  std::vector<epoch_ms> instants;
  campaign_facts campaign;

  static world& get() {
    static world w;
    return w;
  }

  world() {
    auto decoded = http::decode_country_rules(read_config("country_rules.json"));
    auto zones = http::decode_phone_zone_table(read_config("phone_prefix_timezones.json"));
    if (!decoded.ok() || !zones.ok()) throw std::runtime_error("bad config files");
    table = std::move(*zones.value);
    for (const auto& r : *decoded.value)
      rules.emplace(r.country, compile_dial_rules(r, nullptr, nullptr));
    campaign.records_calls = true;
  }

  // `n` leads (a power of two) cycling over `numbers`, and as many random instants in 2026.
  // With `country_zones`, prefixes are ignored (every zone of the country is a candidate).
  void populate(const std::vector<const char*>& numbers, std::size_t n, std::uint64_t seed,
                bool country_zones) {
    std::mt19937_64 rng(seed);
    const epoch_ms start = *parse_iso8601("2026-01-01T00:00:00Z");
    const epoch_ms end = *parse_iso8601("2026-12-31T00:00:00Z");
    std::uniform_int_distribution<epoch_ms> when(start, end);
    leads.clear();
    leads.resize(n);
    instants.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      auto parsed = parse_phone_number(numbers[i % numbers.size()]);
      if (!parsed.number) throw std::runtime_error("bad benchmark number");
      if (country_zones) parsed.number->geographical = false;
      cached_lead& l = leads[i];
      l.rules = &rules.at(parsed.number->country);
      l.zones = resolve_candidate_zones(*parsed.number, "", table, zone_cache);
      instants[i] = when(rng);
      l.facts.nature = (rng() % 3 == 0) ? lead_nature::b2b : lead_nature::b2c;
      l.facts.consent = (rng() % 10 == 0) ? consent_status::unknown : consent_status::granted;
      l.facts.on_tenant_dnc = rng() % 50 == 0;
      for (int a = static_cast<int>(rng() % 4); a > 0; --a)
        l.attempts.push_back(instants[i] - static_cast<epoch_ms>(rng() % (20 * ms_per_day)));
      std::sort(l.attempts.begin(), l.attempts.end());
      l.facts.attempts = l.attempts;
    }
  }
};

void run(benchmark::State& state, const std::vector<const char*>& numbers,
         bool country_zones = false) {
  world& w = world::get();
  constexpr std::size_t n = 4096;
  w.populate(numbers, n, 2026, country_zones);
  std::size_t i = 0, allowed = 0;
  for (auto _ : state) {
    const cached_lead& l = w.leads[i];
    const compliance_decision d =
        decide_compliance(l.rules, l.zones.zones, l.facts, w.campaign, w.instants[i]);
    benchmark::DoNotOptimize(d);
    allowed += d.allowed;
    i = (i + 1) & (n - 1);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["allowed_share"] =
      benchmark::Counter(static_cast<double>(allowed) / static_cast<double>(state.iterations()));
}

// A mix of the seven countries: single zones, an ambiguous US area code, Spanish mobiles
// (three zones), random instants over 2026 (most outside calling hours: next_allowed_at searched).
void BM_decision_mixed_countries(benchmark::State& state) {
  run(state, {"+12125550123", "+18089561234", "+16055551234", "+14169671111", "+33612345678",
              "+33142685300", "+390612345678", "+34612345678", "+4915123456789", "+442079460000"});
}
BENCHMARK(BM_decision_mixed_countries);

// France only: two windows a day, holidays, caps and cool-off.
void BM_decision_france(benchmark::State& state) {
  run(state, {"+33612345678", "+33142685300"});
}
BENCHMARK(BM_decision_france);

// Worst case: US numbers whose area code is unknown, so all 29 US zones are checked.
void BM_decision_us_every_zone(benchmark::State& state) {
  run(state, {"+12125550123"}, true);
}
BENCHMARK(BM_decision_us_every_zone);

// Not cached, for comparison: parsing the number with libphonenumber and resolving its zones.
void BM_number_parse_and_zones(benchmark::State& state) {
  world& w = world::get();
  const char* numbers[] = {"+12125550123", "+33612345678", "+16055551234", "+390612345678"};
  std::size_t i = 0;
  for (auto _ : state) {
    auto p = parse_phone_number(numbers[i++ & 3]);
    auto z = resolve_candidate_zones(*p.number, "", w.table, w.zone_cache);
    benchmark::DoNotOptimize(z);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_number_parse_and_zones);

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

}  // namespace
}  // namespace dialer

int main(int argc, char** argv) {
  benchmark::AddCustomContext("cpu_model", dialer::cpu_model());
  benchmark::AddCustomContext("hardware_threads",
                              std::to_string(std::thread::hardware_concurrency()));
  benchmark::AddCustomContext("build_type", DIALER_BUILD_TYPE);
  benchmark::AddCustomContext("compiler", "g++ " __VERSION__);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
