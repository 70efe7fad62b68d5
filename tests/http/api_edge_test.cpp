// The pure pieces behind the API's access rules and bulk imports: API keys and role claims,
// the tenant rate limiter, multipart bodies, lead CSV rows, per-route body limits and the
// OpenAPI document.

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>

#include "http/auth.hpp"
#include "http/lead_csv.hpp"
#include "http/multipart.hpp"
#include "http/openapi.hpp"
#include "http/rate_limit.hpp"
#include "http/router.hpp"

namespace dialer::http {
namespace {

constexpr std::string_view secret = "test-secret-0123456789";
constexpr std::int64_t now = 1'767'225'600;  // 2026-01-01T00:00:00Z

TEST(api_keys, are_random_prefixed_and_recognised) {
  auto a = make_api_key();
  auto b = make_api_key();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("dk_", 0), 0u);
  EXPECT_EQ(a.size(), 67u);
  EXPECT_TRUE(is_api_key(a));
  EXPECT_FALSE(is_api_key("dk_short"));
  EXPECT_FALSE(is_api_key("xx_" + a.substr(3)));
  EXPECT_FALSE(is_api_key("dk_" + std::string(64, 'G')));
  EXPECT_FALSE(is_api_key("eyJhbGciOiJIUzI1NiJ9.e30.sig"));
}

TEST(api_keys, digest_is_the_sha256_in_hex) {
  // SHA-256("abc"), FIPS 180-2 test vector.
  EXPECT_EQ(api_key_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto key = make_api_key();
  EXPECT_EQ(api_key_digest(key), api_key_digest(key));
  EXPECT_NE(api_key_digest(key), api_key_digest(make_api_key()));
}

TEST(role_claim, travels_in_the_token_and_must_agree_with_is_admin) {
  token_claims c;
  c.user_id = 7;
  c.tenant_id = 3;
  c.exp = now + 60;
  c.iat = now;
  c.role = "viewer";
  auto viewer = verify_token(secret, issue_token(secret, c), now);
  ASSERT_TRUE(viewer);
  EXPECT_EQ(viewer->role, "viewer");
  EXPECT_FALSE(viewer->is_admin);

  c.role = "";
  auto old_style = verify_token(secret, issue_token(secret, c), now);
  ASSERT_TRUE(old_style);
  EXPECT_EQ(old_style->role, "");

  c.role = "viewer";
  c.is_admin = true;  // contradicts the role
  EXPECT_FALSE(verify_token(secret, issue_token(secret, c), now));
  c.role = "root";
  c.is_admin = false;
  EXPECT_FALSE(verify_token(secret, issue_token(secret, c), now));
  c.role = "admin";
  c.is_admin = true;
  EXPECT_EQ(verify_token(secret, issue_token(secret, c), now)->role, "admin");
}

TEST(tenant_rate_limiter, gives_each_tenant_its_own_bucket) {
  tenant_rate_limiter limits(2, 3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limits.admit(1, 1000).admitted);
  auto refused = limits.admit(1, 1000);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_after_ms, 500);
  EXPECT_TRUE(limits.admit(2, 1000).admitted);  // another tenant is unaffected
  EXPECT_TRUE(limits.admit(1, 1500).admitted);
}

TEST(multipart, finds_the_named_part_among_others) {
  const std::string body =
      "preamble\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"note\"\r\n\r\n"
      "hello\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"file\"; filename=\"leads.csv\"\r\n"
      "Content-Type: text/csv\r\n\r\n"
      "phone,name\r\n+14155550100,Ada\r\n\r\n"
      "--XyZ--\r\n";
  auto part = find_form_part(body, "XyZ", "file");
  ASSERT_TRUE(part);
  EXPECT_EQ(part->filename, "leads.csv");
  EXPECT_EQ(part->content_type, "text/csv");
  EXPECT_EQ(part->content, "phone,name\r\n+14155550100,Ada\r\n");
  auto note = find_form_part(body, "XyZ", "note");
  ASSERT_TRUE(note);
  EXPECT_EQ(note->content, "hello");
  EXPECT_FALSE(find_form_part(body, "XyZ", "missing"));
  EXPECT_FALSE(find_form_part(body, "other", "file"));
  EXPECT_FALSE(find_form_part(
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno end", "XyZ", "file"));
}

TEST(multipart, reads_boundaries_and_media_types_from_content_type) {
  EXPECT_EQ(header_parameter("multipart/form-data; boundary=----abc123", "boundary"), "----abc123");
  EXPECT_EQ(header_parameter("multipart/form-data; BOUNDARY=\"a;b c\"", "boundary"), "a;b c");
  EXPECT_FALSE(header_parameter("multipart/form-data", "boundary"));
  EXPECT_TRUE(has_media_type("Text/CSV; charset=utf-8", "text/csv"));
  EXPECT_TRUE(has_media_type("multipart/form-data; boundary=x", "multipart/form-data"));
  EXPECT_FALSE(has_media_type("text/csvx", "text/csv"));
}

TEST(lead_csv, the_header_maps_columns_case_insensitively) {
  field_errors errors;
  auto layout = layout_of({"Phone", " Name ", "Consent Status", "crm_id", "priority"}, errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(layout.columns, (std::vector<lead_field>{lead_field::phone, lead_field::name,
                                                     lead_field::consent_status,
                                                     lead_field::ignored, lead_field::priority}));
  EXPECT_EQ(layout.ignored, (std::vector<std::string>{"crm_id"}));
}

TEST(lead_csv, a_header_without_phone_or_with_a_column_twice_is_refused) {
  field_errors errors;
  layout_of({"name", "email"}, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "phone");
  errors.clear();
  layout_of({"phone", "name", "NAME"}, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "name");
}

TEST(lead_csv, a_good_row_becomes_a_lead) {
  field_errors errors;
  auto layout = layout_of({"phone", "name", "email", "country_iso", "nature", "consent_status",
                           "quiet_hours_disabled", "priority", "metadata", "extra"},
                          errors);
  auto lead = lead_of_row(layout,
                          {" +14155550100 ", "Ada", "ada@example.com", "us", "B2B", "Granted",
                           "yes", "-5", R"({"crm": "A-1"})", "whatever"},
                          errors);
  EXPECT_TRUE(errors.empty()) << errors[0].field << ": " << errors[0].message;
  EXPECT_EQ(lead.phone, "+14155550100");
  EXPECT_EQ(lead.name, "Ada");
  EXPECT_EQ(lead.country_iso, "US");
  EXPECT_EQ(lead.nature, "b2b");
  EXPECT_EQ(lead.consent_status, "granted");
  EXPECT_TRUE(lead.quiet_hours_disabled);
  EXPECT_EQ(lead.priority, -5);
  EXPECT_EQ(lead.metadata_json, R"({"crm": "A-1"})");
}

TEST(lead_csv, each_bad_field_of_a_row_is_named) {
  field_errors errors;
  auto layout = layout_of(
      {"phone", "email", "nature", "priority", "quiet_hours_disabled", "metadata", "country_iso"},
      errors);
  lead_of_row(layout, {"555-1234", "not-an-email", "b2x", "high", "maybe", "[1]", "USA"}, errors);
  std::set<std::string> fields;
  for (const auto& e : errors) fields.insert(e.field);
  EXPECT_EQ(fields, (std::set<std::string>{"phone", "email", "nature", "priority",
                                           "quiet_hours_disabled", "metadata", "country_iso"}));
}

TEST(lead_csv, missing_phone_wrong_width_and_bad_text_are_errors) {
  field_errors errors;
  auto layout = layout_of({"phone", "name"}, errors);
  lead_of_row(layout, {"", "Ada"}, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "phone");
  errors.clear();
  lead_of_row(layout, {"+14155550100"}, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "row");
  errors.clear();
  lead_of_row(layout, {"+14155550100", std::string("A\0B", 3)}, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "name");
  errors.clear();
  lead_of_row(layout, {"+14155550100", "\xC3\x28"}, errors);
  ASSERT_EQ(errors.size(), 1u);
  errors.clear();
  lead_of_row(layout, {"+14155550100", std::string(201, 'n')}, errors);
  ASSERT_EQ(errors.size(), 1u);
}

TEST(lead_csv, storable_text_is_valid_utf8_without_nul) {
  EXPECT_TRUE(is_storable_text("plain"));
  EXPECT_TRUE(is_storable_text("\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\x9E"));
  EXPECT_FALSE(is_storable_text(std::string("a\0b", 3)));
  EXPECT_FALSE(is_storable_text("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_storable_text("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(is_storable_text("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_storable_text("\xE2\x82"));          // cut short
  EXPECT_FALSE(is_storable_text("\xFF"));
}

TEST(router_body_limit, is_the_limit_of_the_route_that_would_answer) {
  router r;
  auto nothing = [](request&&, responder) {};
  r.add("POST", "/api/v1/leads", nothing);
  r.add("POST", "/api/v1/leads/bulk-import", nothing, 1 << 26);
  r.add("GET", "/api/v1/leads/{id}", nothing);
  EXPECT_EQ(r.body_limit("POST", "/api/v1/leads/bulk-import?campaign_id=3"), 1u << 26);
  EXPECT_FALSE(r.body_limit("POST", "/api/v1/leads"));
  EXPECT_FALSE(r.body_limit("GET", "/api/v1/leads/bulk-import"));
  EXPECT_FALSE(r.body_limit("POST", "/nowhere"));
  EXPECT_EQ(r.largest_body_limit(), 1u << 26);
  EXPECT_EQ(router{}.largest_body_limit(), 0u);
}

TEST(openapi, the_document_is_json_with_every_documented_operation) {
  const std::string text = openapi_document();
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  ASSERT_FALSE(doc.HasParseError()) << "offset " << doc.GetErrorOffset();
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ(doc["openapi"].GetString(), "3.0.3");
  const auto& paths = doc["paths"];
  std::size_t operations = 0;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& r : documented_routes()) {
    std::string method = r.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ASSERT_TRUE(paths.HasMember(r.path)) << r.path;
    ASSERT_TRUE(paths[r.path].HasMember(method.c_str())) << r.method << " " << r.path;
    EXPECT_TRUE(seen.insert({r.method, r.path}).second) << "documented twice: " << r.path;
    ++operations;
  }
  std::size_t in_document = 0;
  for (const auto& p : paths.GetObject()) in_document += p.value.MemberCount();
  EXPECT_EQ(in_document, operations);
  // Every $ref names a schema that exists.
  const auto& schemas = doc["components"]["schemas"];
  for (std::size_t at = text.find("#/components/schemas/"); at != std::string::npos;
       at = text.find("#/components/schemas/", at + 1)) {
    auto start = at + std::string_view("#/components/schemas/").size();
    auto name = text.substr(start, text.find('"', start) - start);
    EXPECT_TRUE(schemas.HasMember(name.c_str())) << name;
  }
}

}  // namespace
}  // namespace dialer::http
