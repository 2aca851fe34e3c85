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
// so no client can speak for the server. Returns the object's JSON text.
std::string publication_metadata(const hub::Publication& publication, std::string_view server_members,
                                 std::initializer_list<std::string_view> server_keys);

}  // namespace sb::dialects
