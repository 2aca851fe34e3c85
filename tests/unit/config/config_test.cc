#include "config/config.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace sb::config {

TEST(Config, EmbeddedDefaultParsesWithTheSeedsDefaults) {
  Config c;
  std::string error;
  ASSERT_TRUE(parse_toml(embedded_default_toml(), "embedded", c, error)) << error;
  EXPECT_EQ(c.port, 3000);
  EXPECT_EQ(c.max_connections_per_ip, 100u);
  EXPECT_EQ(c.max_message_size, 1048576u);
  EXPECT_EQ(c.ping_interval_ms, 30000u);
  ASSERT_EQ(c.endpoints.size(), 6u);
  EXPECT_EQ(c.endpoints[3].path, "/ws");  // seed 003 on its own port
  EXPECT_EQ(c.endpoints[3].port, 8081);
  EXPECT_EQ(c.endpoints[3].dialect, "events");
  EXPECT_EQ(c.endpoints[4].path, "/realtime/");
  EXPECT_EQ(c.endpoints[4].dialect, "socketio");
  // The seed's rate limits per action.
  EXPECT_EQ(c.events.max_messages_per_minute, 100u);
  EXPECT_EQ(c.events.max_joins_per_minute, 5u);
  EXPECT_EQ(c.events.max_chat_per_minute, 30u);
  EXPECT_EQ(c.events.max_votes_per_minute, 10u);
  EXPECT_EQ(c.events.max_cursor_per_second, 60u);
  EXPECT_EQ(c.endpoints[2].path, "/ws");
  EXPECT_EQ(c.endpoints[2].port, 8080);
  EXPECT_EQ(c.endpoints[2].dialect, "envelope");
  EXPECT_FALSE(c.presence_channels.empty());
  EXPECT_EQ(c.endpoints[0].path, "/ws");
  EXPECT_EQ(c.endpoints[0].dialect, "topics");
  EXPECT_EQ(c.endpoints[1].path, "/api/ws");
  EXPECT_EQ(c.endpoints[1].dialect, "rooms");
  // Seed 004's defaults and predefined rooms.
  EXPECT_EQ(c.rooms.cookie_name, "pm-session");
  EXPECT_EQ(c.rooms.max_messages, 60u);
  EXPECT_EQ(c.rooms.window_ms, 60000u);
  EXPECT_EQ(c.rooms.max_connections_per_user, 5u);
  EXPECT_EQ(c.rooms.max_rooms_per_connection, 10u);
  EXPECT_EQ(c.rooms.heartbeat_interval_ms, 30000u);
  EXPECT_EQ(c.rooms.heartbeat_timeout_ms, 10000u);
  ASSERT_EQ(c.rooms.rooms.size(), 3u);
  EXPECT_EQ(c.rooms.rooms[0].name, "support");
  EXPECT_EQ(c.rooms.rooms[0].min_role, "editor");
  EXPECT_EQ(c.rooms.rooms[1].name, "admin:notifications");
  EXPECT_EQ(c.rooms.rooms[1].min_role, "admin");
  EXPECT_EQ(c.rooms.rooms[2].name, "system:broadcast");
  EXPECT_EQ(c.rooms.rooms[2].min_role, "master");
  EXPECT_EQ(c.role_hierarchy.front(), "viewer");
  EXPECT_FALSE(c.channel_rules.empty());
  ASSERT_FALSE(c.users.empty());
  EXPECT_EQ(c.users[0].email, "user@example.com");
}

TEST(Config, EnvironmentOverridesTheFile) {
  Config c;
  std::string error;
  ASSERT_TRUE(parse_toml(embedded_default_toml(), "embedded", c, error));
  setenv("WEBSOCKET_PORT", "4321", 1);
  setenv("WEBSOCKET_MAX_MESSAGE_SIZE", "2048", 1);
  setenv("WEBSOCKET_ENABLED", "false", 1);
  setenv("JWT_SECRET", "from-env", 1);
  ASSERT_TRUE(apply_environment(c, error)) << error;
  EXPECT_EQ(c.port, 4321);
  EXPECT_EQ(c.max_message_size, 2048u);
  EXPECT_FALSE(c.websocket_enabled);
  EXPECT_EQ(c.jwt.secret, "from-env");
  setenv("WEBSOCKET_PORT", "not-a-number", 1);
  EXPECT_FALSE(apply_environment(c, error));
  EXPECT_NE(error.find("WEBSOCKET_PORT"), std::string::npos);
  unsetenv("WEBSOCKET_PORT");
  unsetenv("WEBSOCKET_MAX_MESSAGE_SIZE");
  unsetenv("WEBSOCKET_ENABLED");
  unsetenv("JWT_SECRET");
}

TEST(Config, SecretListsAndJwksSources) {
  Config c;
  std::string error;
  ASSERT_TRUE(parse_toml("[jwt]\nsecret = [\"next\", \"current\", \"old\"]\nkid = \"hs-2026\"\n"
                         "jwks_url = \"https://idp.example/jwks.json\"\njwks_refresh_seconds = 60\n",
                         "t.toml", c, error)) << error;
  EXPECT_EQ(c.jwt.secret, "next");  // the first signs
  EXPECT_EQ(c.jwt.previous_secrets, (std::vector<std::string>{"current", "old"}));
  EXPECT_EQ(c.jwt.kid, "hs-2026");
  EXPECT_EQ(c.jwt.jwks.url, "https://idp.example/jwks.json");
  EXPECT_EQ(c.jwt.jwks.refresh_seconds, 60);
  EXPECT_FALSE(parse_toml("[jwt]\nsecret = []\n", "t.toml", c, error));
  EXPECT_NE(error.find("jwt.secret"), std::string::npos) << error;
}

TEST(Config, AJwksSourceTurnsTheDevelopmentSecretOff) {
  // The embedded default's secret is public: with an identity provider's keys configured,
  // keeping it would let anyone sign tokens the gateway accepts.
  setenv("JWT_JWKS_URL", "https://idp.example/jwks.json", 1);
  Config c;
  std::string error;
  ASSERT_TRUE(load("", c, error)) << error;
  EXPECT_TRUE(c.jwt.secret.empty());
  EXPECT_EQ(c.jwt.jwks.url, "https://idp.example/jwks.json");
  setenv("JWT_JWKS_FILE", "/etc/switchboard/jwks.json", 1);
  EXPECT_FALSE(load("", c, error));  // one source, not two
  EXPECT_NE(error.find("alternatives"), std::string::npos) << error;
  unsetenv("JWT_JWKS_FILE");
  unsetenv("JWT_JWKS_URL");
  Config plain;
  ASSERT_TRUE(load("", plain, error)) << error;
  EXPECT_EQ(plain.jwt.secret, kDevelopmentSecret);  // without JWKS the laptop default stays
}

TEST(Config, WritePathIsIoUringOrSend) {
  Config c;
  std::string error;
  ASSERT_TRUE(load("", c, error)) << error;
  EXPECT_EQ(c.write_path, "io_uring");
  Config unset;  // a file without the key: the same default
  ASSERT_TRUE(parse_toml("[server]\nport = 1\n", "file", unset, error)) << error;
  EXPECT_EQ(unset.write_path, "io_uring");
  setenv("SWITCHBOARD_WRITE_PATH", "send", 1);
  ASSERT_TRUE(load("", c, error)) << error;
  EXPECT_EQ(c.write_path, "send");
  setenv("SWITCHBOARD_WRITE_PATH", "uring", 1);
  Config wrong;
  EXPECT_FALSE(load("", wrong, error));
  EXPECT_NE(error.find("write_path must be send or io_uring"), std::string::npos) << error;
  unsetenv("SWITCHBOARD_WRITE_PATH");
}

TEST(Config, HardeningLimitsHaveTheirDefaults) {
  Config c;
  std::string error;
  ASSERT_TRUE(parse_toml(embedded_default_toml(), "embedded", c, error)) << error;
  EXPECT_EQ(c.max_accepts_per_ip_per_second, 100u);
  EXPECT_EQ(c.max_messages_per_second, 100u);
  EXPECT_EQ(c.request_head_timeout_ms, 10000u);
  EXPECT_EQ(c.request_body_timeout_ms, 30000u);
  EXPECT_EQ(c.login_attempts_per_minute, 10u);
  EXPECT_EQ(c.password_hash_queue, 64u);
}

TEST(Config, RefusesPlaceholdersInsideSegmentsAndRoomsThatAreNotNames) {
  Config c;
  std::string error;
  EXPECT_FALSE(parse_toml("[[channels.rules]]\npattern = \"inbox-{userId}\"\n", "t.toml", c, error));
  EXPECT_NE(error.find("whole segments"), std::string::npos) << error;
  EXPECT_FALSE(parse_toml("[rooms]\n[[rooms.room]]\nname = \"chat.*\"\n", "t.toml", c, error));
  EXPECT_NE(error.find("chat.*"), std::string::npos) << error;
  EXPECT_TRUE(parse_toml("[[channels.rules]]\npattern = \"inbox.{userId}.**\"\n", "t.toml", c, error)) << error;
}

TEST(Config, ReportsSyntaxErrorsWithTheLine) {
  Config c;
  std::string error;
  EXPECT_FALSE(parse_toml("[server]\nport = = 1\n", "bad.toml", c, error));
  EXPECT_NE(error.find("bad.toml:2"), std::string::npos) << error;
  EXPECT_FALSE(parse_toml("[[endpoints]]\npath = \"ws\"\ndialect = \"topics\"\n", "e.toml", c, error));
  EXPECT_FALSE(parse_toml("[jwt]\nalgorithm = \"none\"\n", "j.toml", c, error));
}

// Issue 31: `subscribe = {rol="x"}` (a typo of role) was read as {}: every signed-in user
// could subscribe. The channel policy is now read strictly, every mistake reported at once.
TEST(Config, AChannelPolicyWithAnUnknownKeyOrAWrongTypeIsRefused) {
  Config c;
  std::string error;
  const char* text =
      "[channels.default]\n"
      "subscribe = { rol = \"admin\" }\n"
      "publish = \"admin\"\n"
      "[[channels.rules]]\n"
      "pattern = \"matter:*\"\n"
      "subscribe = { permission = 5 }\n"
      "publsh = {}\n"
      "history_size = -5\n"
      "history_ttl = 300\n";
  EXPECT_FALSE(parse_toml(text, "p.toml", c, error));
  EXPECT_NE(error.find("p.toml:2: unknown key \"rol\" in subscribe of [channels.default]; did you mean \"role\"?"),
            std::string::npos) << error;
  EXPECT_NE(error.find("p.toml:3: publish of [channels.default] must be a table"), std::string::npos) << error;
  EXPECT_NE(error.find("p.toml:6: permission in subscribe of [[channels.rules]] \"matter:*\" must be a string"),
            std::string::npos) << error;
  EXPECT_NE(error.find("p.toml:7: unknown key \"publsh\""), std::string::npos) << error;
  EXPECT_NE(error.find("did you mean \"publish\"?"), std::string::npos) << error;
  EXPECT_NE(error.find("p.toml:8: history_size"), std::string::npos) << error;
  EXPECT_FALSE(parse_toml("[channels]\ndefualt = 1\n", "q.toml", c, error));
  EXPECT_NE(error.find("did you mean \"default\""), std::string::npos) << error;
  EXPECT_FALSE(parse_toml("[[channels.rules]]\npattern = \"a.*\"\nsubscribe = { allow = \"no\" }\n", "r.toml", c, error));
  EXPECT_NE(error.find("allow in subscribe of [[channels.rules]] \"a.*\" must be true or false"), std::string::npos)
      << error;
  // What is right still reads as before.
  EXPECT_TRUE(parse_toml("[channels.default]\nsubscribe = { anonymous = true }\npublish = { allow = false }\n"
                         "[[channels.rules]]\npattern = \"a.*\"\nsubscribe = { role = \"admin\", permission = \"p\" }\n",
                         "ok.toml", c, error)) << error;
  EXPECT_TRUE(c.default_subscribe.anonymous);
  EXPECT_FALSE(c.default_publish.allow);
  ASSERT_EQ(c.channel_rules.size(), 1u);
  EXPECT_EQ(c.channel_rules[0].subscribe.role, "admin");
  EXPECT_EQ(c.channel_rules[0].subscribe.permission, "p");
}

}  // namespace sb::config
