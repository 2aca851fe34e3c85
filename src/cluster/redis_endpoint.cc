#include "cluster/redis_endpoint.h"

#include <charconv>

#include "cluster/wire_fields.h"

namespace sb::cluster {

namespace {

// Decodes %XX escapes (a password may hold any byte). False on a bad escape.
bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    unsigned value = 0;
    if (i + 2 >= in.size()) return false;
    auto [end, ec] = std::from_chars(in.data() + i + 1, in.data() + i + 3, value, 16);
    if (ec != std::errc() || end != in.data() + i + 3) return false;
    out += static_cast<char>(value);
    i += 2;
  }
  return true;
}


bool parse_one(std::string_view url, RedisEndpoint& out, std::string& error) {
  auto fail = [&](std::string why) {
    error = "bad Redis URL \"" + std::string(url.substr(0, 120)) + "\": " + why;
    return false;
  };
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) return fail("it must start with redis://");
  std::string_view rest = url.substr(kScheme.size());
  size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    size_t colon = credentials.find(':');
    std::string_view user = credentials.substr(0, colon);
    if (!percent_decode(user, out.user)) return fail("bad %-escape in the user");
    if (colon != std::string_view::npos && !percent_decode(credentials.substr(colon + 1), out.password)) {
      return fail("bad %-escape in the password");
    }
  }
  size_t slash = rest.find('/');
  std::string_view hostport = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && !wire::parse_decimal(db, out.database)) return fail("the database must be a number");
  }
  size_t colon = hostport.rfind(':');
  std::string_view host = hostport.substr(0, colon);
  if (colon != std::string_view::npos && !wire::parse_decimal(hostport.substr(colon + 1), out.port)) {
    return fail("the port must be a number");
  }
  if (host.empty()) return fail("no host");
  for (char c : host) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
                   c == '_' || c == ':' || c == '[' || c == ']';
    if (!allowed) return fail("the host holds a character a host name cannot");
  }
  out.host = host == "localhost" ? "127.0.0.1" : std::string(host);
  return true;
}

}  // namespace

std::string RedisEndpoint::display() const {
  std::string out = "redis://";
  if (!user.empty() || !password.empty()) out += user + (password.empty() ? "@" : ":***@");
  out += host + ":" + std::to_string(port);
  if (database != 0) out += "/" + std::to_string(database);
  return out;
}

bool parse_redis_urls(std::string_view text, std::vector<RedisEndpoint>& out, std::string& error) {
  out.clear();
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view one = text.substr(0, comma);
    while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
    while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
    if (!one.empty()) {
      RedisEndpoint endpoint;
      if (!parse_one(one, endpoint, error)) return false;
      out.push_back(std::move(endpoint));
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (out.empty()) {
    error = "no Redis URL given (PUBSUB_REDIS_URL)";
    return false;
  }
  return true;
}

}  // namespace sb::cluster
