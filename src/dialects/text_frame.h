#pragma once
#include <cstdint>
#include <string>

#include "hub/publication.h"
#include "protocol/websocket/frame.h"
#include "protocol/websocket/permessage_deflate.h"
#include "protocol/websocket/websocket_connection.h"

namespace sb::dialects {

// A publication as one complete WebSocket text frame in a dialect's shape, built once per
// publication and encoding slot and then shared by every subscriber of that dialect.
// render(publication, out) appends the message body to out.
template <typename Render>
const std::string& text_frame(const hub::Publication& publication, size_t slot, Render render) {
  return publication.encoded(slot, [&](const hub::Publication& p, std::string& out) {
    std::string body;
    render(p, body);
    uint8_t header[protocol::websocket::kMaxServerHeader];
    size_t n = protocol::websocket::write_frame_header(header, protocol::websocket::Opcode::kText, body.size());
    out.reserve(n + body.size());
    out.append(reinterpret_cast<const char*>(header), n);
    out.append(body);
  });
}

// Sends text_frame(publication, slot, render) to ws; where ws compresses, the frame's
// compressed twin, also built once per publication and slot for every subscriber.
template <typename Render>
transport::SendStatus send_publication(protocol::websocket::WebSocketConnection& ws,
                                       const hub::Publication& publication, size_t slot, Render render) {
  const std::string& frame = text_frame(publication, slot, render);
  return ws.send_shared(frame, [&]() -> const std::string& {
    return publication.encoded_twin(slot, [&](const hub::Publication&, std::string& out) {
      protocol::websocket::compress_frame(frame, out);
    });
  });
}

}  // namespace sb::dialects
