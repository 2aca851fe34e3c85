#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sb::cluster {

// Where one Redis instance is and how to sign in to it.
struct RedisEndpoint {
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  std::string user;      // ACL user (empty: the default user)
  std::string password;  // AUTH password (empty: none)
  uint32_t database = 0;
  // The URL without its password, for logs and errors.
  std::string display() const;
};

// Parses `redis://[user[:password]@]host[:port][/db]`, several separated by commas
// (channels are sharded across them). False with a readable error naming the bad part.
bool parse_redis_urls(std::string_view text, std::vector<RedisEndpoint>& out, std::string& error);

}  // namespace sb::cluster
