# Writes OUTPUT, a C++ source defining `std::string_view FUNCTION()` in namespace
# dialer::http that returns the text of INPUT. Run at build time:
# cmake -DINPUT=... -DOUTPUT=... -DFUNCTION=... -P this file.
file(READ "${INPUT}" text)
set(delimiter "dialer_text")
string(FIND "${text}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw string delimiter")
endif()
set(source "// Generated from ${INPUT} by embed_text.cmake: do not edit.
#include <string_view>

namespace dialer::http {

std::string_view ${FUNCTION}() {
  static constexpr std::string_view text = R\"${delimiter}(${text})${delimiter}\";
  return text;
}

}  // namespace dialer::http
")
file(WRITE "${OUTPUT}.tmp" "${source}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
