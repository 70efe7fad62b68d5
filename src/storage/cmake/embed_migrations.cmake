# Writes OUTPUT, a C++ source holding every MIGRATIONS_DIR/NNN_name.sql as a raw string,
# in version order. Run at build time: cmake -DMIGRATIONS_DIR=... -DOUTPUT=... -P this file.
file(GLOB sql_files RELATIVE "${MIGRATIONS_DIR}" "${MIGRATIONS_DIR}/*.sql")
list(SORT sql_files COMPARE NATURAL)

set(delimiter "dialer_sql")
set(entries "")
set(previous 0)
foreach(file_name IN LISTS sql_files)
  if(NOT file_name MATCHES "^([0-9]+)_([a-z0-9_]+)\\.sql$")
    message(FATAL_ERROR "migration ${file_name}: expected NNN_lower_snake_name.sql")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  set(name "${CMAKE_MATCH_2}")
  if(NOT version GREATER previous)
    message(FATAL_ERROR "migration ${file_name}: version ${version} is not above ${previous}")
  endif()
  set(previous ${version})
  file(READ "${MIGRATIONS_DIR}/${file_name}" sql)
  string(FIND "${sql}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "migration ${file_name} contains the raw string delimiter")
  endif()
  string(APPEND entries "    {${version}, \"${name}\", R\"${delimiter}(${sql})${delimiter}\"},\n")
endforeach()

set(source "// Generated from src/storage/migrations by embed_migrations.cmake: do not edit.
#include \"storage/migrations.hpp\"

namespace dialer::storage {

const std::vector<migration>& embedded_migrations() {
  static const std::vector<migration> all{
${entries}  };
  return all;
}

}  // namespace dialer::storage
")
file(WRITE "${OUTPUT}.tmp" "${source}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
