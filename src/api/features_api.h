#pragma once
#include <cstddef>
#include <functional>
#include <string_view>

#include "features/decisions/decision_service.h"
#include "features/meetings/meeting_service.h"
#include "protocol/http/http_request.h"
#include "protocol/http/response.h"
#include "transport/event_loop.h"

namespace sb::api {

// The backend's side of the feature modules (API key checked by the caller):
//   POST /api/decisions                 {decisionId, meetingId?, required, deadline, eligible?{users?,role?}}
//   GET  /api/decisions/{decisionId}    the decision, its tally, result and votes
//   POST /api/meetings/{meetingId}/agenda  {currentItem?, totalItems?, itemDetails?, ...}
class FeaturesApi {
 public:
  FeaturesApi(features::meetings::MeetingService& meetings, features::decisions::DecisionService& decisions)
      : meetings_(meetings), decisions_(decisions) {}

  // Whether path is one of these routes.
  static bool serves(std::string_view path);
  // Answers one request through respond (later, on this loop).
  void handle(const protocol::http::HttpRequest& request, transport::EventLoop& loop, size_t shard_index,
              std::function<void(protocol::http::HttpResponse)> respond);

 private:
  void open_decision(const protocol::http::HttpRequest& request, transport::EventLoop& loop, size_t shard_index,
                     std::function<void(protocol::http::HttpResponse)> respond);
  void update_agenda(const protocol::http::HttpRequest& request, std::string_view meeting_id, size_t shard_index,
                     std::function<void(protocol::http::HttpResponse)> respond);

  features::meetings::MeetingService& meetings_;
  features::decisions::DecisionService& decisions_;
};

}  // namespace sb::api
