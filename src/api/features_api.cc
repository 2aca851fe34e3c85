#include "api/features_api.h"

#include <simdjson.h>

#include "api/json_body.h"
#include "json/json_writer.h"

namespace sb::api {

namespace http = protocol::http;

namespace {

constexpr std::string_view kDecisions = "/api/decisions";
constexpr std::string_view kMeetings = "/api/meetings/";
constexpr std::string_view kAgenda = "/agenda";
constexpr uint32_t kMaxRequired = 1000000;

// An id that is one channel segment (the same rule as meeting ids).
bool is_valid_id(std::string_view id) { return features::meetings::MeetingService::is_valid_id(id); }

}  // namespace

bool FeaturesApi::serves(std::string_view path) {
  return path == kDecisions || path.starts_with("/api/decisions/") ||
         (path.starts_with(kMeetings) && path.ends_with(kAgenda));
}

void FeaturesApi::handle(const http::HttpRequest& request, transport::EventLoop& loop, size_t shard_index,
                         std::function<void(http::HttpResponse)> respond) {
  std::string_view path = request.path();
  auto method_not_allowed = [&](std::string_view allow) {
    http::HttpResponse r = http::json_error(405, "method not allowed");
    r.headers.emplace_back("Allow", std::string(allow));
    respond(std::move(r));
  };
  if (path == kDecisions) {
    if (request.method != "POST") return method_not_allowed("POST");
    open_decision(request, loop, shard_index, std::move(respond));
  } else if (path.starts_with("/api/decisions/")) {
    if (request.method != "GET") return method_not_allowed("GET");
    std::string_view id = path.substr(kDecisions.size() + 1);
    if (!is_valid_id(id)) return respond(http::json_error(404, "no such decision"));
    decisions_.find(shard_index, std::string(id), [respond = std::move(respond)](int status, std::string body) {
      if (status == 200) respond(http::json_response(200, std::move(body)));
      else if (status == 503) respond(http::json_error(503, "the decision store cannot be reached: try again"));
      else respond(http::json_error(404, "no such decision"));
    });
  } else {
    if (request.method != "POST") return method_not_allowed("POST");
    std::string_view id = path.substr(kMeetings.size(), path.size() - kMeetings.size() - kAgenda.size());
    if (!is_valid_id(id)) return respond(http::json_error(400, "invalid meeting id"));
    update_agenda(request, id, shard_index, std::move(respond));
  }
}

void FeaturesApi::open_decision(const http::HttpRequest& request, transport::EventLoop& loop, size_t shard_index,
                                std::function<void(http::HttpResponse)> respond) {
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  if (auto bad = parse_json_object(parser, request.body, body)) return respond(std::move(*bad));
  store::StoredDecision d;
  std::string_view s;
  if (body["decisionId"].get_string().get(s) != simdjson::SUCCESS || !is_valid_id(s)) {
    return respond(http::json_error(400, "decisionId is required: 1 to 128 bytes, no '.', ':' or spaces"));
  }
  d.id = s;
  simdjson::dom::element meeting;
  if (body["meetingId"].get(meeting) == simdjson::SUCCESS && !meeting.is_null()) {
    if (meeting.get_string().get(s) != simdjson::SUCCESS || !is_valid_id(s)) {
      return respond(http::json_error(400, "meetingId must be a meeting id (no '.', ':' or spaces)"));
    }
    d.meeting_id = s;
  }
  int64_t required = 0;
  if (body["required"].get_int64().get(required) != simdjson::SUCCESS || required < 1 || required > kMaxRequired) {
    return respond(http::json_error(400, "required must be a whole number of votes from 1 to 1000000"));
  }
  d.required = static_cast<uint32_t>(required);
  std::optional<uint64_t> deadline;
  if (body["deadline"].get_string().get(s) == simdjson::SUCCESS) deadline = json::parse_iso8601(s);
  if (!deadline) return respond(http::json_error(400, "deadline must be an ISO 8601 date-time"));
  if (*deadline <= loop.wall_ms()) return respond(http::json_error(400, "deadline must be in the future"));
  d.deadline_ms = static_cast<int64_t>(*deadline);
  simdjson::dom::element eligible_value;
  if (body["eligible"].get(eligible_value) == simdjson::SUCCESS && !eligible_value.is_null()) {
    simdjson::dom::object eligible;
    if (eligible_value.get_object().get(eligible) != simdjson::SUCCESS) {
      return respond(http::json_error(400, "eligible must be an object {users?, role?}"));
    }
    d.has_eligible = true;
    simdjson::dom::array users;
    if (eligible["users"].get_array().get(users) == simdjson::SUCCESS) {
      for (auto user : users) {
        if (user.get_string().get(s) != simdjson::SUCCESS || s.empty()) {
          return respond(http::json_error(400, "eligible.users must be a list of user ids"));
        }
        d.eligible_users.emplace_back(s);
      }
    }
    if (eligible["role"].get_string().get(s) == simdjson::SUCCESS) d.eligible_role = s;
    if (d.eligible_users.empty() && d.eligible_role.empty()) {
      return respond(http::json_error(400, "eligible needs users or a role"));
    }
  }
  decisions_.open(shard_index, std::move(d), [respond = std::move(respond)](int status, std::string answer) {
    if (status == 201) return respond(http::json_response(201, std::move(answer)));
    respond(http::json_error(status, status == 409 ? "a decision with this id exists" : answer));
  });
}

void FeaturesApi::update_agenda(const http::HttpRequest& request, std::string_view meeting_id, size_t shard_index,
                                std::function<void(http::HttpResponse)> respond) {
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  if (auto bad = parse_json_object(parser, request.body, body)) return respond(std::move(*bad));
  simdjson::dom::element value;
  for (std::string_view key : {"currentItem", "totalItems"}) {
    if (body[key].get(value) == simdjson::SUCCESS && !value.is_int64() && !value.is_uint64()) {
      return respond(http::json_error(400, std::string(key) + " must be a whole number"));
    }
  }
  if (body["itemDetails"].get(value) == simdjson::SUCCESS && !value.is_object()) {
    return respond(http::json_error(400, "itemDetails must be an object"));
  }
  // The backend's fields as it sent them (the meeting id is the path's).
  std::string fields;
  for (auto field : body) {
    if (field.key == "meetingId") continue;
    if (!fields.empty()) fields += ',';
    json::append_string(fields, field.key);
    fields += ':';
    fields += simdjson::minify(field.value);
  }
  meetings_.update_agenda(shard_index, std::string(meeting_id), std::move(fields),
                          [respond = std::move(respond), id = std::string(meeting_id)](size_t participants) {
                            std::string out;
                            json::ObjectWriter(out).boolean("success", true).string("meetingId", id)
                                .number("participants", static_cast<int64_t>(participants)).end();
                            respond(http::json_response(200, std::move(out)));
                          });
}

}  // namespace sb::api
