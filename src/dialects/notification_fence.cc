#include "dialects/notification_fence.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>

namespace sb::dialects {

namespace {
// The event types the HTTP API stores as notifications (seed 000's NOTIFICATION in any
// case, seed 003's notification.send).
bool is_notification_type(std::string_view type) {
  if (type == "notification.send") return true;
  constexpr std::string_view kEnvelope = "notification";
  return type.size() == kEnvelope.size() &&
         std::equal(type.begin(), type.end(), kEnvelope.begin(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

// The id the HTTP API gave a notification (it writes it as both notificationId and id), or
// empty. Parsed only for the user's notifications while a fence stands.
std::string notification_id(const std::string& data) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(data).get_object().get(object) != simdjson::SUCCESS) return {};
  std::string_view id;
  if (object["notificationId"].get_string().get(id) == simdjson::SUCCESS) return std::string(id);
  if (object["id"].get_string().get(id) == simdjson::SUCCESS) return std::string(id);
  return {};
}
}  // namespace

bool NotificationFence::admit(const hub::Publication& p) {
  std::string_view channel = p.channel;
  bool personal = channel.starts_with("user:") && channel.substr(5) == user_id_;
  if (!personal || !is_notification_type(p.event_type)) return true;
  std::string id = notification_id(p.data);
  if (id.empty()) return true;
  if (pending_) {
    ids_.push_back(std::move(id));
    return true;
  }
  return std::find(ids_.begin(), ids_.end(), id) == ids_.end();
}

void NotificationFence::settle(std::vector<store::StoredNotification>& unread, uint64_t until_ms) {
  std::erase_if(unread, [&](const store::StoredNotification& n) {
    return std::find(ids_.begin(), ids_.end(), n.id) != ids_.end();
  });
  pending_ = false;
  ids_.clear();
  for (const auto& n : unread) ids_.push_back(n.id);
  until_ms_ = until_ms;
}

}  // namespace sb::dialects
