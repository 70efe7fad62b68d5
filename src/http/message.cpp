#include "http/message.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>

namespace dialer::http {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void write_string(rapidjson::Writer<rapidjson::StringBuffer>& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

}  // namespace

std::string request::header(std::string_view name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string{} : it->second;
}

const std::string* request::query_param(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? nullptr : &it->second;
}

response error_response(unsigned status, std::string_view code, std::string_view message,
                        std::string_view request_id, const field_errors& fields) {
  rapidjson::StringBuffer details;
  rapidjson::Writer<rapidjson::StringBuffer> w(details);
  w.StartObject();
  if (!fields.empty()) {
    w.Key("fields");
    w.StartArray();
    for (const auto& f : fields) {
      w.StartObject();
      w.Key("field");
      write_string(w, f.field);
      w.Key("message");
      write_string(w, f.message);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return error_response_with_details(status, code, message, request_id,
                                     {details.GetString(), details.GetSize()});
}

response error_response_with_details(unsigned status, std::string_view code,
                                     std::string_view message, std::string_view request_id,
                                     std::string_view details_json) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("code");
  write_string(w, code);
  w.Key("message");
  write_string(w, message);
  w.Key("details");
  w.RawValue(details_json.data(), details_json.size(), rapidjson::kObjectType);
  w.Key("request_id");
  write_string(w, request_id);
  w.EndObject();
  w.EndObject();

  response res;
  res.status = status;
  res.body.assign(buf.GetString(), buf.GetSize());
  res.headers.emplace_back("X-Request-Id", std::string(request_id));
  return res;
}

}  // namespace dialer::http
