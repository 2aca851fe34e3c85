// Arbitrary text as PUBSUB_REDIS_URL: parsing never crashes, and every endpoint it accepts
// has a host and prints the same whatever its password.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "cluster/redis_endpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<sb::cluster::RedisEndpoint> endpoints;
  std::string error;
  if (!sb::cluster::parse_redis_urls(text, endpoints, error)) return 0;
  for (const auto& e : endpoints) {
    if (e.host.empty()) std::abort();
    // What is shown does not depend on the password at all.
    sb::cluster::RedisEndpoint other = e;
    other.password = e.password.empty() ? "" : "another-password";
    if (e.display() != other.display()) std::abort();
  }
  return 0;
}
