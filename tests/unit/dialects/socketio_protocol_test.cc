#include "dialects/socketio/socketio_protocol.h"

#include <gtest/gtest.h>

namespace sb::dialects::socketio {

TEST(SocketIoProtocol, ParsesTheSeedsRequestAsAStringOrAnObject) {
  auto r = parse_request(R"(["message","{\"type\":\"REQUEST\",\"requestId\":\"1700\",\"action\":\"someAction\",\"data\":{\"key\":\"value\"}}"])");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.request_id, "1700");
  EXPECT_EQ(r.action, "someAction");
  EXPECT_EQ(r.data, R"({"key":"value"})");
  auto o = parse_request(R"(["message",{"type":"REQUEST","requestId":7,"action":"ping"}])");
  ASSERT_TRUE(o.ok) << o.error;
  EXPECT_EQ(o.request_id, "7");
  EXPECT_EQ(o.data, "null");
  EXPECT_EQ(event_name(R"(["message",1])"), "message");
  EXPECT_EQ(event_name("[1]"), "");
}

TEST(SocketIoProtocol, SaysWhatIsWrongWithARequest) {
  EXPECT_NE(parse_request(R"(["message"])").error.find("no content"), std::string::npos);
  EXPECT_NE(parse_request(R"(["message","nope"])").error.find("not a JSON object"), std::string::npos);
  auto no_id = parse_request(R"(["message",{"type":"REQUEST","action":"x"}])");
  EXPECT_FALSE(no_id.ok);
  EXPECT_NE(no_id.error.find("requestId"), std::string::npos);
  auto no_action = parse_request(R"(["message",{"type":"REQUEST","requestId":"r"}])");
  EXPECT_FALSE(no_action.ok);
  EXPECT_EQ(no_action.request_id, "r");  // still echoed on the ERROR
  EXPECT_FALSE(parse_request(R"(["message",{"type":"RESPONSE","requestId":"r","action":"x"}])").ok);
}

TEST(SocketIoProtocol, FramesAnswersAsMessageEventsOrAcks) {
  EXPECT_EQ(message_packet(R"({"a":1})"), R"(42["message","{\"a\":1}"])");
  EXPECT_EQ(ack_packet(12, "x"), R"(4312["x"])");
  EXPECT_EQ(render_error("r", "act", "TIMEOUT", "too slow", 0),
            R"({"type":"ERROR","requestId":"r","action":"act","error":{"code":"TIMEOUT","message":"too slow"}})");
  EXPECT_EQ(open_packet("conn-0-1", false, 25000, 20000, 1000000),
            R"(0{"sid":"conn-0-1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
  EXPECT_EQ(open_packet("s", true, 1, 2, 3),
            R"(0{"sid":"s","upgrades":["websocket"],"pingInterval":1,"pingTimeout":2,"maxPayload":3})");
  hub::Publication p;
  p.event_type = "UPDATE";
  p.data = R"({"progress":50})";
  p.metadata = R"({"requestId":"job-1","action":"import"})";
  EXPECT_EQ(render_update(p), R"({"type":"UPDATE","requestId":"job-1","action":"import","data":{"progress":50}})");
}

TEST(SocketIoProtocol, AnswersBadRequestsAsTheReferenceServer) {
  auto r = engine_error_response(protocol::engineio::RequestError::kUnknownSid);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"code":1,"message":"Session ID unknown"})");
  EXPECT_EQ(engine_error_response(protocol::engineio::RequestError::kForbidden).status, 403);
  EXPECT_EQ(engine_error_response(protocol::engineio::RequestError::kTransportUnknown).body,
            R"({"code":0,"message":"Transport unknown"})");
}

TEST(SocketIoProtocol, RefusesActionNamesThatAreNotOnePlainSegment) {
  for (const char* name : {"..", ".", "a/b", "%2e%2e"}) {
    std::string event = std::string(R"(["message",{"type":"REQUEST","requestId":"1","action":")") + name + R"("}])";
    auto r = parse_request(event);
    EXPECT_FALSE(r.ok) << name;
    EXPECT_NE(r.error.find("letters, digits"), std::string::npos) << name;
    EXPECT_EQ(r.request_id, "1");
  }
}

}  // namespace sb::dialects::socketio
