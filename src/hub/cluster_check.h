#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

namespace sb::hub {

// A count the cluster answers later (a user's connections, a room's members on every
// node): done(count) runs on loop `origin`. Without a cluster the node answers alone.
struct ClusterCheck {
  using CountDone = std::function<void(uint32_t count)>;
  size_t origin = 0;
  CountDone done;
};

}  // namespace sb::hub
