#pragma once

#include <vector>

namespace dialer::storage {

/// One numbered schema change, compiled into the library from src/storage/migrations.
struct migration {
  int version;
  const char* name;
  const char* sql;
};

/// Every embedded migration, in version order (generated at build time).
const std::vector<migration>& embedded_migrations();

}  // namespace dialer::storage
