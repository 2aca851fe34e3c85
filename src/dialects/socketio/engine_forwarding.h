#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "dialects/dialect.h"
#include "dialects/socketio/engine_socket.h"
#include "dialects/socketio/relay_message.h"
#include "hub/hub.h"
#include "protocol/http/http_request.h"
#include "protocol/websocket/websocket_connection.h"

namespace sb::dialects::socketio {

// Engine.IO sessions served by any node of a cluster, so that a plain round-robin load
// balancer works (the reference server needs sticky sessions). A request naming a sid that
// another node owns is forwarded there through the hub's node relay: a polling GET or POST
// is answered with the owner's answer, and an upgrade's WebSocket stays on the node that
// received it (the front) while the owner's session reads and writes it through relayed
// frames. Both roles keep their state per loop: the front's by the loop the request came in
// on (named in each request's ref), the owner's by the loop in the sid.
class EngineForwarding {
 public:
  // The live Engine.IO socket of sid on loop `loop` (called on that loop), or nullptr.
  using FindSocket = std::function<EngineSocket*(size_t loop, std::string_view sid)>;

  // Registers with the hub's relay when there is one (a cluster); inert otherwise.
  EngineForwarding(hub::Hub& hub, const config::SocketIoConfig& settings, size_t loops, FindSocket find);
  ~EngineForwarding();
  EngineForwarding(const EngineForwarding&) = delete;
  EngineForwarding& operator=(const EngineForwarding&) = delete;

  // The node that owns sid when it is another node of the cluster and this node can reach
  // it through the relay; nullopt for this node's sids, malformed ones, and on one node.
  std::optional<std::string> owner_elsewhere(std::string_view sid) const;

  // Front: forwards a polling GET or POST naming sid to its owner. reply gets the owner's
  // answer, or "Session ID unknown" when none comes in time (the owner died).
  void forward_http(size_t loop, uint64_t now_ms, const std::string& owner, std::string_view sid,
                    const protocol::http::HttpRequest& request, HttpReply reply);
  // Front: the handler of an upgrade naming sid: its frames go to the owner's session, the
  // owner's come back; the owner closing it (a refused probe, the end of the session) closes it.
  std::unique_ptr<protocol::websocket::WebSocketHandler> forward_websocket(size_t loop, std::string owner,
                                                                           std::string sid);

  // On each loop's sweep: forwarded requests past their deadline or whose client left, and
  // relayed WebSockets the owner's sessions let go of.
  void sweep(size_t loop, uint64_t now_ms);
  // The loop is shutting down: what it holds is dropped without answers.
  void shutdown(size_t loop);

 private:
  class FrontSocket;
  class RelayedWire;
  struct PendingRequest {
    HttpReply reply;
    uint64_t deadline_ms = 0;
    std::string owner;
    std::string sid;
    bool poll = false;
  };
  struct LoopState {
    // Front: forwarded requests and WebSockets by ref.
    std::unordered_map<std::string, PendingRequest> pending;
    std::unordered_map<std::string, FrontSocket*> sockets;
    uint64_t counter = 0;
    // Owner: WebSockets held by other nodes, by "<front node>/<ref>".
    std::unordered_map<std::string, std::unique_ptr<RelayedWire>> wires;
  };

  // On the relay's thread: hands a message to the loop it concerns.
  void receive(std::string_view from, std::string_view body);
  // On the owner's loop / the front's loop.
  void serve_owner(size_t loop, const std::string& from, const RelayMessage& message);
  void serve_front(size_t loop, const RelayMessage& message);
  // Owner: a reply whose answer travels back to the front's request ref.
  HttpReply remote_reply(std::string front, std::string ref);
  void send(std::string_view node, const RelayMessage& message);
  std::string next_ref(size_t loop);

  hub::Hub& hub_;
  hub::NodeRelay* relay_;
  const config::SocketIoConfig& settings_;
  FindSocket find_;
  std::vector<LoopState> loops_;
};

}  // namespace sb::dialects::socketio
