#pragma once
#include <string>
#include <string_view>

#include "hub/presence.h"

// How a node's view of one presence member is kept in Redis: one compact binary record per
// (channel, user, node), in the style of the publication codec (a version byte, varints and
// length-prefixed fields). Lists merge the records of every node per user.
namespace sb::cluster {

std::string encode_member(const hub::PresenceMember& member);
// Null-safe decoding: false for anything malformed (a record from elsewhere is ignored).
bool decode_member(std::string_view record, hub::PresenceMember& out);

// Merges one node's record of a user into the cluster-wide member: connections add up,
// the earliest join and the latest sighting win, and the status said last wins.
void merge_member(hub::PresenceMember& into, const hub::PresenceMember& from);

// The Redis hash field of a record: the user id, a newline, the node id (node ids never
// hold one, so the last newline splits it whatever the user id holds).
std::string member_field(std::string_view user_id, std::string_view node_id);
bool split_member_field(std::string_view field, std::string_view& user_id, std::string_view& node_id);

}  // namespace sb::cluster
