// switchboard: the command line. `serve` runs the gateway, `token` mints a JWT with the
// configured key, `hash-password` produces a hash for [[users]] in the config.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "auth/jwt.h"
#include "json/json_writer.h"
#include "auth/password.h"
#include "config/config.h"
#include "observability/log.h"
#include "server/server.h"

namespace {

int serve(const std::string& config_path, int threads, int port) {
  sb::config::Config config;
  std::string error;
  if (!sb::config::load(config_path, config, error)) {
    std::fprintf(stderr, "switchboard: %s\n", error.c_str());
    return 2;
  }
  if (threads > 0) config.threads = static_cast<unsigned>(threads);
  if (port >= 0) config.port = static_cast<uint16_t>(port);
  sb::log::init(config.log_level, config.log_format);
  if (config.jwt.algorithm == sb::auth::JwtAlgorithm::kHS256 &&
      config.jwt.secret == sb::config::kDevelopmentSecret) {
    sb::log::warn("config.default_secret", {{"hint", "set JWT_SECRET before exposing this server"}});
  }
  auto server = sb::server::Server::create(std::move(config), error);
  if (!server) {
    std::fprintf(stderr, "switchboard: %s\n", error.c_str());
    return 2;
  }
  if (!server->listen(error)) {
    std::fprintf(stderr, "switchboard: %s\n", error.c_str());
    return 1;
  }
  return server->run();
}

int token(const std::string& config_path, const std::string& user, const std::string& name,
          const std::vector<std::string>& roles, const std::vector<std::string>& permissions,
          const std::vector<std::string>& teams, const std::vector<std::string>& extra_claims, long long ttl) {
  sb::config::Config config;
  std::string error;
  if (!sb::config::load(config_path, config, error)) {
    std::fprintf(stderr, "switchboard: %s\n", error.c_str());
    return 2;
  }
  auto codec = sb::auth::JwtCodec::create(config.jwt, error);
  if (!codec) {
    std::fprintf(stderr, "switchboard: %s\n", error.c_str());
    return 2;
  }
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  std::string claims = sb::auth::make_claims(config.jwt, user, name, roles, permissions, now.count(), ttl, {}, teams);
  // --claim KEY=VALUE: any further string claim (companyId, sid...), before the closing brace.
  for (const auto& claim : extra_claims) {
    size_t eq = claim.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "switchboard: --claim wants KEY=VALUE, got \"%s\"\n", claim.c_str());
      return 2;
    }
    std::string member = ",";
    sb::json::append_string(member, claim.substr(0, eq));
    member += ':';
    sb::json::append_string(member, claim.substr(eq + 1));
    claims.insert(claims.size() - 1, member);
  }
  std::string jwt = codec->sign(claims, error);
  if (jwt.empty()) {
    std::fprintf(stderr, "switchboard: %s\n", error.c_str());
    return 2;
  }
  std::cout << jwt << "\n";
  return 0;
}

int hash_password(std::string password) {
  if (password.empty()) std::getline(std::cin, password);
  std::string hash = sb::auth::hash_password(password);
  if (hash.empty()) {
    std::fprintf(stderr, "switchboard: hashing failed\n");
    return 1;
  }
  std::cout << hash << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Switchboard: a real-time WebSocket gateway"};
  app.set_version_flag("--version", std::string("switchboard ") + SWITCHBOARD_VERSION);
  app.require_subcommand(1);

  std::string config_path;
  int threads = 0;
  int port = -1;
  auto* serve_cmd = app.add_subcommand("serve", "Run the gateway");
  serve_cmd->add_option("--config,-c", config_path, "TOML config file (default: the embedded configuration)");
  serve_cmd->add_option("--threads,-t", threads, "Event loops (default: config, else one per core)");
  serve_cmd->add_option("--port,-p", port, "Listen port (overrides config and WEBSOCKET_PORT)");

  std::string user, name;
  std::vector<std::string> roles, permissions, teams, extra_claims;
  long long ttl = 3600;
  auto* token_cmd = app.add_subcommand("token", "Print a JWT signed with the configured key");
  token_cmd->add_option("--config,-c", config_path, "TOML config file (default: embedded)");
  token_cmd->add_option("--user,-u", user, "User id (sub claim)")->required();
  token_cmd->add_option("--name,-n", name, "Display name");
  token_cmd->add_option("--role,-r", roles, "Role (repeatable)");
  token_cmd->add_option("--permission", permissions, "Permission (repeatable)");
  token_cmd->add_option("--team", teams, "Team membership, for team:{team} channels (repeatable)");
  token_cmd->add_option("--claim", extra_claims, "Another string claim as KEY=VALUE, e.g. companyId=acme (repeatable)");
  token_cmd->add_option("--ttl", ttl, "Lifetime in seconds (default 3600)");

  std::string password;
  auto* hash_cmd = app.add_subcommand("hash-password", "Print an argon2id hash for [[users]] (reads stdin)");
  hash_cmd->add_option("--password", password, "Password (default: read one line from stdin)");

  CLI11_PARSE(app, argc, argv);
  if (*serve_cmd) return serve(config_path, threads, port);
  if (*token_cmd) return token(config_path, user, name, roles, permissions, teams, extra_claims, ttl);
  if (*hash_cmd) return hash_password(password);
  return 0;
}
