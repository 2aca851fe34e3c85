#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace sb::bench {

// Appends one complete client frame (FIN set, masked as RFC 6455 requires of clients, with
// a fixed mask: the load generator needs no secrecy) carrying payload with this opcode.
void append_client_frame(std::string& out, uint8_t opcode, std::string_view payload);

}  // namespace sb::bench
