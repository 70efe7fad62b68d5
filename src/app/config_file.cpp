#include "app/config_file.hpp"

#include <toml.hpp>

#include <stdexcept>

extern char** environ;

namespace dialer::app {
namespace {

std::string scalar_text(const toml::value& v, const std::string& key) {
  if (v.is_string()) return v.as_string().str;
  if (v.is_integer()) return std::to_string(v.as_integer());
  if (v.is_boolean()) return v.as_boolean() ? "true" : "false";
  throw std::runtime_error("configuration key '" + key + "' must be a string, integer or boolean");
}

}  // namespace

std::map<std::string, std::string> read_config_file(const std::string& path) {
  toml::value root;
  try {
    root = toml::parse(path);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot read configuration " + path + ": " + e.what());
  }
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : root.as_table()) {
    if (value.is_table()) {
      for (const auto& [sub, v] : value.as_table())
        out[name + "." + sub] = scalar_text(v, name + "." + sub);
    } else {
      out[name] = scalar_text(value, name);
    }
  }
  return out;
}

std::map<std::string, std::string> environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return env;
}

}  // namespace dialer::app
