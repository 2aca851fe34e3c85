#pragma once
#include <cstdint>
#include <string>

#include "hub/publication.h"
#include "protocol/websocket/frame.h"

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

}  // namespace sb::dialects
