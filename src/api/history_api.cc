#include "api/history_api.h"

#include <charconv>

#include "hub/topic.h"
#include "json/iso8601.h"
#include "json/json_writer.h"

namespace sb::api {

namespace http = protocol::http;

namespace {
constexpr uint64_t kDefaultLimit = 100;
constexpr uint64_t kMaxLimit = 1000;

// A whole non-negative decimal number, or false.
bool parse_count(std::string_view text, uint64_t& out) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

void write_publication(json::ObjectWriter& list_item, const hub::Publication& p) {
  list_item.string("id", p.id).string("channel", p.channel).string("event", p.event_type).raw("data", p.data)
      .number("offset", static_cast<int64_t>(p.offset)).string("epoch", p.epoch)
      .string("timestamp", json::iso8601(p.time_ms));
  if (!p.metadata.empty()) list_item.raw("metadata", p.metadata);
  if (!p.sender_user_id.empty()) list_item.string("senderId", p.sender_user_id);
}
}  // namespace

void serve_history(const http::HttpRequest& request, hub::Broker& broker, size_t shard_index,
                   std::function<void(http::HttpResponse)> respond) {
  std::string channel = request.query_param("channel");
  if (!hub::is_valid_channel(channel) || hub::is_reserved_channel(channel)) {
    respond(http::json_error(400, "channel must name one concrete channel"));
    return;
  }
  uint64_t since = 0, limit = kDefaultLimit;
  std::string since_text = request.query_param("since"), limit_text = request.query_param("limit");
  if (!since_text.empty() && !parse_count(since_text, since)) {
    respond(http::json_error(400, "since must be an offset (a whole number)"));
    return;
  }
  if (!limit_text.empty() && (!parse_count(limit_text, limit) || limit == 0 || limit > kMaxLimit)) {
    respond(http::json_error(400, "limit must be 1.." + std::to_string(kMaxLimit)));
    return;
  }
  broker.read_history(channel, since, limit, shard_index, [channel, respond = std::move(respond)](hub::HistoryResult history) {
    if (!history.ok) {
      respond(http::json_error(503, "history unavailable: " + history.error));
      return;
    }
    if (!history.keeps_history) {
      respond(http::json_error(404, "channel " + channel + " keeps no history (see history_size in its rule)"));
      return;
    }
    std::string body;
    json::ObjectWriter w(body);
    w.string("channel", channel).string("epoch", history.top.epoch)
        .number("offset", static_cast<int64_t>(history.top.offset));
    std::string list = "[";
    for (const auto& p : history.publications) {
      if (list.size() > 1) list += ',';
      json::ObjectWriter item(list);
      write_publication(item, *p);
      item.end();
    }
    list += ']';
    w.raw("publications", list).end();
    respond(http::json_response(200, body));
  });
}

}  // namespace sb::api
