#include "store/memory_meeting_store.h"

namespace sb::store {

MeetingJoin MemoryMeetingStore::join(std::string_view meeting_id, std::string_view user, std::string_view name) {
  std::lock_guard lock(mutex_);
  Meeting& meeting = meetings_[std::string(meeting_id)];
  auto [it, first] = meeting.members.try_emplace(std::string(user));
  if (first) it->second.name = name;
  ++it->second.connections;
  return MeetingJoin{true, first, static_cast<uint32_t>(meeting.members.size()), meeting.agenda};
}

MeetingLeave MemoryMeetingStore::leave(std::string_view meeting_id, std::string_view user) {
  std::lock_guard lock(mutex_);
  auto found = meetings_.find(std::string(meeting_id));
  if (found == meetings_.end()) return {};
  Meeting& meeting = found->second;
  auto it = meeting.members.find(std::string(user));
  if (it == meeting.members.end()) return {};
  MeetingLeave out;
  out.known = true;
  out.name = it->second.name;
  out.last = --it->second.connections == 0;
  if (out.last) meeting.members.erase(it);
  out.total = static_cast<uint32_t>(meeting.members.size());
  if (meeting.members.empty()) meetings_.erase(found);
  return out;
}

uint32_t MemoryMeetingStore::set_agenda(std::string_view meeting_id, std::string_view data) {
  std::lock_guard lock(mutex_);
  auto found = meetings_.find(std::string(meeting_id));
  if (found == meetings_.end()) return 0;
  found->second.agenda = data;
  return static_cast<uint32_t>(found->second.members.size());
}

}  // namespace sb::store
