#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "hub/publication.h"

// How a publication travels between nodes: one compact binary body per publication, built
// once by the publishing node, and a text prefix "<offset> <epoch> " that the Redis script
// adds when the channel keeps history ("0 - " otherwise). No JSON is parsed on the way.
namespace sb::cluster {

// The body of a publication: a version byte, then length-prefixed fields and the flags and
// time, then the sender's correlation id when there is one. Offset and epoch are not in it
// (the prefix carries them).
std::string encode_publication(const hub::Publication& publication);

// Decodes "<offset> <epoch> <body>" as published in Redis (and kept in its history). Null
// for anything malformed: a message from elsewhere on the channel is ignored, never trusted.
std::shared_ptr<hub::Publication> decode_message(std::string_view message);

// The prefix of a publication that keeps no history.
inline constexpr std::string_view kUnnumberedPrefix = "0 - ";

}  // namespace sb::cluster
