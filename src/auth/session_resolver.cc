#include "auth/session_resolver.h"

#include "auth/http_fetch.h"

#include <simdjson.h>

#include <vector>

namespace sb::auth {

namespace {

void read_list(simdjson::dom::element value, std::vector<std::string>& out) {
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    out.emplace_back(text);
    return;
  }
  simdjson::dom::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) return;
  for (auto item : array) {
    if (item.get_string().get(text) == simdjson::SUCCESS) out.emplace_back(text);
  }
}

}  // namespace

std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      std::string_view value = pair.substr(eq + 1);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      return value;
    }
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return {};
}

SessionResolver::SessionResolver(std::string url, std::string cookie_name, uint32_t timeout_ms, uint32_t cache_ms)
    : url_(std::move(url)), cookie_name_(std::move(cookie_name)), timeout_ms_(timeout_ms), cache_ms_(cache_ms) {}

bool SessionResolver::parse_user(std::string_view json, Identity& out) {
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  if (parser.parse(json.data(), json.size()).get_object().get(root) != simdjson::SUCCESS) return false;
  simdjson::dom::object user = root;
  simdjson::dom::object nested;
  if (root["user"].get_object().get(nested) == simdjson::SUCCESS) user = nested;
  out = Identity{};
  std::string_view text;
  simdjson::dom::element value;
  for (const char* key : {"id", "userId", "sub"}) {
    if (user[key].get_string().get(text) == simdjson::SUCCESS) {
      out.user_id = text;
      break;
    }
    if (user[key].get(value) == simdjson::SUCCESS && value.is_number()) {
      out.user_id = simdjson::minify(value);
      break;
    }
  }
  if (out.user_id.empty()) return false;
  out.anonymous = false;
  if (user["name"].get_string().get(text) == simdjson::SUCCESS) out.name = text;
  if (user["avatar"].get_string().get(text) == simdjson::SUCCESS) out.rare().avatar = text;
  std::vector<std::string> roles, permissions;
  if (user["roles"].get(value) == simdjson::SUCCESS) read_list(value, roles);
  else if (user["role"].get(value) == simdjson::SUCCESS) read_list(value, roles);
  if (user["permissions"].get(value) == simdjson::SUCCESS) read_list(value, permissions);
  out.set_grants(std::move(roles), std::move(permissions));
  return true;
}

SessionResolver::Result SessionResolver::resolve(const std::string& session_id, uint64_t now_ms) {
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(session_id);
    if (it != cache_.end() && it->second.expires_ms > now_ms) return it->second.result;
  }
  Result result;
  HttpFetchOptions options;
  options.timeout_ms = timeout_ms_;
  options.max_body_bytes = 64 * 1024;  // a user record is small; refuse floods
  options.headers = {"Accept: application/json"};
  options.cookie = cookie_name_ + "=" + session_id;
  HttpFetchResult answer = http_get(url_, options);
  if (!answer.reached) {
    result.outcome = Outcome::kUnavailable;
    result.error = "session service unavailable: " + answer.error;
    return result;  // not cached: the next connection tries again
  }
  const long status = answer.status;
  const std::string& body = answer.body;
  if (status == 200) {
    auto identity = make_identity();
    if (parse_user(body, *identity)) {
      result.outcome = Outcome::kUser;
      result.identity = std::move(identity);
    } else {
      result.outcome = Outcome::kUnavailable;
      result.error = "session service answered without a user id";
      return result;
    }
  } else if (status == 401 || status == 403 || status == 404) {
    result.outcome = Outcome::kNoSession;
  } else {
    result.outcome = Outcome::kUnavailable;
    result.error = "session service answered HTTP " + std::to_string(status);
    return result;
  }
  std::lock_guard lock(mutex_);
  if (cache_.size() > 100000) cache_.clear();  // bounded: a flood of fake ids cannot grow it forever
  cache_[session_id] = CacheEntry{result, now_ms + cache_ms_};
  return result;
}

}  // namespace sb::auth
