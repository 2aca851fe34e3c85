#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "dialects/dialect.h"
#include "protocol/websocket/websocket_connection.h"
#include "transport/event_loop.h"

namespace sb::dialects::socketio {

// What an Engine.IO socket hands up to the Socket.IO layer above it.
class EngineListener {
 public:
  // The data of a text message packet ("4<data>").
  virtual void on_engine_message(std::string_view data) = 0;
  // A binary message (a WebSocket binary frame, or a "b<base64>" polling packet decoded).
  virtual void on_engine_binary(std::string_view bytes) = 0;
  // A packet that is not Engine.IO (the connection stays).
  virtual void on_engine_invalid(std::string_view why) = 0;
  // The socket is closed, whatever the cause; called once. The owner frees the socket later.
  virtual void on_engine_closed() = 0;

 protected:
  ~EngineListener() = default;
};

class EngineSocket;

// The WebSocket transport of an Engine.IO socket, wherever its WebSocket is: on this node
// (EngineWebSocket), or on another node that relays its frames (a forwarded upgrade). The
// socket writes through it; the wire tells the socket what arrived through the socket's
// wire_* calls until either side lets go.
class EngineWire {
 public:
  // Sends one message; false when the WebSocket is not open (yet).
  virtual bool send(protocol::websocket::Opcode opcode, std::string_view data) = 0;
  // Closes the WebSocket (normal closure); the socket has let go of the wire before.
  virtual void close() = 0;
  // The WebSocket itself when it is on this node and open, for frames encoded once and
  // shared by many sockets; nullptr otherwise (those frames then go through send()).
  virtual protocol::websocket::WebSocketConnection* connection() const = 0;
  // The socket no longer uses this wire (it closed, or the probe failed).
  void detach() { socket_ = nullptr; }

 protected:
  explicit EngineWire(EngineSocket* socket) : socket_(socket) {}
  ~EngineWire() = default;
  EngineSocket* socket_;
};

// A WebSocket on this node as an Engine.IO transport: the handler of one
// WebSocketConnection, which owns it.
class EngineWebSocket final : public EngineWire, public protocol::websocket::WebSocketHandler {
 public:
  explicit EngineWebSocket(EngineSocket* socket) : EngineWire(socket) {}
  void on_open(protocol::websocket::WebSocketConnection& ws) override;
  void on_message(protocol::websocket::WebSocketConnection& ws, protocol::websocket::Opcode opcode,
                  std::string_view data) override;
  void on_disconnected(protocol::websocket::WebSocketConnection& ws, uint16_t code) override;
  bool send(protocol::websocket::Opcode opcode, std::string_view data) override;
  void close() override;
  protocol::websocket::WebSocketConnection* connection() const override { return ws_; }

 private:
  protocol::websocket::WebSocketConnection* ws_ = nullptr;
};

// One Engine.IO 4 session (a client's `sid`), independent of its transport: HTTP long-polling
// (a held GET answered with the queued packets joined by the record separator, POSTs
// carrying the client's packets), or WebSocket, and the upgrade from the first to the second
// ("2probe"/"3probe" on the new socket, a noop to release the poll, then "5"). The server
// drives the heartbeat ("2" every ping interval, closed when the "3" is later than the ping
// timeout). Lives on one loop; every call is made on it.
class EngineSocket {
 public:
  enum class Transport : uint8_t { kPolling, kWebSocket };

  // On kWebSocket the open packet goes out when the WebSocket opens; on kPolling the caller
  // answers the handshake request with open_packet().
  EngineSocket(transport::EventLoop& loop, const config::SocketIoConfig& settings, std::string sid,
               Transport transport, EngineListener& listener);
  ~EngineSocket();
  EngineSocket(const EngineSocket&) = delete;
  EngineSocket& operator=(const EngineSocket&) = delete;

  const std::string& sid() const { return sid_; }
  bool closed() const { return closed_; }
  Transport transport() const { return transport_; }
  // The open packet for this socket ("0{sid, upgrades, pingInterval, pingTimeout, maxPayload}").
  std::string open_packet() const;

  // Sends a text Engine.IO packet ("42[...]"), or queues it for the next poll.
  void send(std::string_view packet);
  // Sends a binary message (an attachment of a binary Socket.IO packet).
  void send_binary(std::string_view bytes);
  // The WebSocket carrying every packet, once the socket is on that transport and upgraded
  // (for frames encoded once and shared by many sockets), or nullptr.
  protocol::websocket::WebSocketConnection* websocket() const;
  // Ends the socket: a close packet when the transport can carry it, then the listener hears it.
  void close();

  // Polling transport: a GET (answered when packets are queued), a POST's body (the client's
  // packets). Errors are answered with Engine.IO's JSON error bodies.
  void poll(HttpReply reply);
  void receive_payload(std::string_view body, HttpReply reply);
  // WebSocket transport: a new WebSocket naming this sid (a probe when on polling). False
  // when the socket cannot take one now (already upgraded or upgrading).
  bool can_take_websocket() const;
  EngineWebSocket* take_websocket();
  // A WebSocket that another node holds and relays, already open, as the probe of this
  // polling socket (the caller checked can_take_websocket()). The wire stays the caller's.
  void take_relayed_websocket(EngineWire& wire);

  // What a wire reports (EngineWire implementations only).
  void wire_opened(EngineWire& wire);
  void wire_message(EngineWire& wire, protocol::websocket::Opcode opcode, std::string_view data);
  void wire_closed(EngineWire& wire);

  // Heartbeat and timeouts; called once per sweep tick.
  void tick(uint64_t now_ms);

 private:
  void probe_message(std::string_view text);
  void drop_probe();
  // One packet from the client, on whichever transport.
  void handle_packet(std::string_view text);
  // Sends a packet, or queues it for the next poll (past the bound the socket closes).
  void enqueue(std::string_view bytes, bool binary);
  // What is queued as one polling payload (record separators, binary as base64); empties it.
  std::string take_queue();
  // Answers the held GET with what is queued (or a noop), when there is a GET and reason to.
  void answer_poll(bool noop);

  struct Queued {
    std::string bytes;
    bool binary = false;
  };

  transport::EventLoop& loop_;
  const config::SocketIoConfig& settings_;
  EngineListener& listener_;
  std::string sid_;
  std::optional<HttpReply> pending_poll_;  // the held GET, when any
  std::vector<Queued> queue_;              // packets for the next GET (polling only)
  size_t queued_bytes_ = 0;
  EngineWire* websocket_ = nullptr;   // the WebSocket transport, once it carries packets
  EngineWire* probe_ = nullptr;       // a WebSocket being upgraded to
  uint64_t last_ping_ms_;
  uint64_t probe_started_ms_ = 0;
  Transport transport_;
  bool awaiting_pong_ = false;
  bool upgrading_ = false;  // "2probe" answered: the next poll gets a noop
  bool closed_ = false;
};

}  // namespace sb::dialects::socketio
