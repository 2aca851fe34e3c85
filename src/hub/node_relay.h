#pragma once
#include <functional>
#include <string>
#include <string_view>

namespace sb::hub {

// Messages from one node of a cluster to another, addressed by node id: how a node serves a
// request that names state only another node holds (an Engine.IO session opened there), so
// that a load balancer need not send a client back to the same node. One node has no relay.
class NodeRelay {
 public:
  // A message for `service` from node `from`; runs on the relay's own thread, so a handler
  // only hands the work to the loop that holds the state.
  using Handler = std::function<void(std::string_view from, std::string_view body)>;
  virtual ~NodeRelay() = default;
  // Sends body to node `to` (any thread). Messages from this node to one node arrive in the
  // order they were sent; a message to a node that is gone is lost, so a sender that waits
  // for an answer keeps its own deadline.
  virtual void send(std::string_view to, std::string_view service, std::string body) = 0;
  // Registers the receiver of a service's messages; done at start-up, before loops run.
  virtual void on_receive(std::string service, Handler handler) = 0;
};

}  // namespace sb::hub
