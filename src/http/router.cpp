#include "http/router.hpp"

#include <algorithm>

#include "http/target.hpp"

namespace dialer::http {
namespace {

bool is_param(const std::string& segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

/// How well `pattern` matches `path`: -1 when it does not, else its number of literal
/// segments (so "/campaigns/stats" wins over "/campaigns/{id}").
int match_score(const std::vector<std::string>& pattern, const std::vector<std::string>& path) {
  if (pattern.size() != path.size()) return -1;
  int literals = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (is_param(pattern[i])) {
      if (path[i].empty()) return -1;
    } else if (pattern[i] == path[i]) {
      ++literals;
    } else {
      return -1;
    }
  }
  return literals;
}

}  // namespace

void router::add(std::string method, std::string pattern, handler h,
                 std::optional<std::size_t> max_body_bytes) {
  entry e;
  e.segments = path_segments(pattern);
  e.method = std::move(method);
  e.pattern = std::move(pattern);
  e.fn = std::move(h);
  e.max_body_bytes = max_body_bytes;
  entries_.push_back(std::move(e));
}

const router::entry* router::match(std::string_view method,
                                   const std::vector<std::string>& segments,
                                   std::vector<std::string>* allowed) const {
  // HEAD is served by the GET handler; the session sends the headers only.
  const std::string_view wanted = method == "HEAD" ? std::string_view("GET") : method;
  const entry* best = nullptr;
  int best_score = -1;
  for (const auto& e : entries_) {
    int score = match_score(e.segments, segments);
    if (score < 0) continue;
    if (e.method == wanted) {
      if (score > best_score) {
        best = &e;
        best_score = score;
      }
    } else if (allowed && std::find(allowed->begin(), allowed->end(), e.method) == allowed->end()) {
      allowed->push_back(e.method);
    }
  }
  return best;
}

void router::route(request&& req, responder respond) const {
  // Segments are split on the raw target before decoding, so an escaped "%2F" stays inside
  // its segment; the decoded `path` is the fallback for requests built without a target.
  std::vector<std::string> segments =
      req.target.empty() ? path_segments(req.path) : path_segments(target_path(req.target));
  std::vector<std::string> allowed;
  const entry* best = match(req.method, segments, &allowed);

  if (best == nullptr) {
    if (allowed.empty()) {
      respond(
          error_response(404, "RESOURCE_NOT_FOUND", "No resource at " + req.path, req.request_id));
      return;
    }
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    response res = error_response(405, "METHOD_NOT_ALLOWED",
                                  req.method + " is not allowed on " + req.path, req.request_id);
    res.headers.emplace_back("Allow", allow);
    respond(std::move(res));
    return;
  }

  req.path_params.clear();
  for (std::size_t i = 0; i < best->segments.size(); ++i) {
    const std::string& s = best->segments[i];
    if (is_param(s)) req.path_params[s.substr(1, s.size() - 2)] = segments[i];
  }
  best->fn(std::move(req), std::move(respond));
}

std::vector<std::pair<std::string, std::string>> router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) out.emplace_back(e.method, e.pattern);
  return out;
}

std::optional<std::size_t> router::body_limit(std::string_view method,
                                              std::string_view target) const {
  const entry* e = match(method, path_segments(target_path(target)), nullptr);
  return e ? e->max_body_bytes : std::nullopt;
}

std::size_t router::largest_body_limit() const {
  std::size_t largest = 0;
  for (const auto& e : entries_) largest = std::max(largest, e.max_body_bytes.value_or(0));
  return largest;
}

}  // namespace dialer::http
