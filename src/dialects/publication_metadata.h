#pragma once
#include <initializer_list>
#include <string>
#include <string_view>

#include "hub/publication.h"

namespace sb::dialects {

// The metadata object of a publication as a dialect shows it. `server_members` are the
// members the server owns, already written ("\"channel\":\"x\"", may be empty), named in
// `server_keys`. A backend's metadata members follow, except any with a server-owned name
// (the server's word wins); a client's metadata object comes last, whole, under "client",
// so no client can speak for the server. With stream_position, a numbered publication's
// "offset" and "epoch" are server members too (a backend's members of those names dropped).
// Returns the object's JSON text.
std::string publication_metadata(const hub::Publication& publication, std::string_view server_members,
                                 std::initializer_list<std::string_view> server_keys, bool stream_position = false);

}  // namespace sb::dialects
