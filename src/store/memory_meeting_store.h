#pragma once
#include <mutex>
#include <string>
#include <unordered_map>

#include "store/meeting_store.h"

namespace sb::store {

// The meetings of one node, in memory. Joins and leaves are rare next to messages, so one
// mutex serves every loop.
class MemoryMeetingStore final : public MeetingStore {
 public:
  MeetingJoin join(std::string_view meeting_id, std::string_view user, std::string_view name) override;
  MeetingLeave leave(std::string_view meeting_id, std::string_view user) override;
  uint32_t set_agenda(std::string_view meeting_id, std::string_view data) override;

 private:
  struct Member {
    std::string name;
    uint32_t connections = 0;
  };
  struct Meeting {
    std::unordered_map<std::string, Member> members;  // by user id
    std::string agenda;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, Meeting> meetings_;
};

}  // namespace sb::store
