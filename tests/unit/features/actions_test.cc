#include <gtest/gtest.h>

#include "features/actions/action_forwarder.h"
#include "features/actions/action_registry.h"

namespace sb::features::actions {

TEST(ActionRegistry, AnswersTheBuiltInsAndNothingElse) {
  ActionRegistry registry;
  auth::Identity identity;
  identity.anonymous = false;
  identity.user_id = "ana";
  identity.rare().tenant = "acme";
  Result result;
  std::vector<std::string> none;
  ASSERT_TRUE(registry.run("whoami", "null", Caller{identity, "doc-1", 0, none}, result));
  EXPECT_EQ(result.data, R"({"userId":"ana","name":null,"companyId":"acme","sessionId":null,"artifactId":"doc-1"})");
  ASSERT_TRUE(registry.run("ping", "null", Caller{identity, "", 1700000000000ULL, none}, result));
  EXPECT_NE(result.data.find(R"("pong":true)"), std::string::npos);
  EXPECT_FALSE(registry.run("deleteEverything", "null", Caller{identity, "", 0, none}, result));
}

TEST(ActionRegistry, EchoReturnsDataAndAttachmentsUnchanged) {
  ActionRegistry registry;
  auth::Identity identity;
  std::vector<std::string> parts = {std::string("\x00\x01\xff", 3)};
  Result result;
  ASSERT_TRUE(registry.run("echo", R"({"file":{"_placeholder":true,"num":0}})", Caller{identity, "", 0, parts}, result));
  EXPECT_EQ(result.data, R"({"file":{"_placeholder":true,"num":0}})");
  EXPECT_EQ(result.attachments, parts);
}

TEST(ActionForwarder, ReadsTheBackendsAnswer) {
  Result ok = ActionForwarder::interpret(200, R"({ "saved" : true })");
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(ok.data, R"({"saved":true})");
  EXPECT_EQ(ActionForwarder::interpret(204, "").data, "null");
  Result not_json = ActionForwarder::interpret(200, "<html>");
  EXPECT_FALSE(not_json.ok);
  EXPECT_EQ(not_json.error_code, "ACTION_FAILED");
  Result denied = ActionForwarder::interpret(403, R"({"error":{"message":"no rights"}})");
  EXPECT_EQ(denied.error_code, "ACTION_FAILED");
  EXPECT_EQ(denied.error_message, "no rights");
  EXPECT_EQ(ActionForwarder::interpret(404, "").error_code, "ACTION_NOT_FOUND");
  EXPECT_EQ(ActionForwarder::interpret(500, "oops").error_message, "the backend answered 500");
}

TEST(ActionForwarder, SendsOnlyPlainActionNamesAsPathSegments) {
  ActionForwarder forwarder("http://127.0.0.1:9/actions", 100);
  for (const char* name : {"../admin", "..", ".", "a/b", "%2e%2e", "a..b"}) {
    ForwardedCall call;
    call.action = name;
    Result r = forwarder.call(call);
    EXPECT_EQ(r.error_code, "INVALID_REQUEST") << name;
  }
}

// Issue 30: "." and ".." passed the old check and libcurl collapsed them, so the caller's
// token went to the backend's parent path.
TEST(ActionNames, ArePlainSegmentsOfADocumentedAlphabet) {
  for (const char* name : {"ping", "someAction", "document.save", "a-b_c.d1", "A"}) {
    EXPECT_TRUE(is_plain_action_name(name)) << name;
  }
  for (const char* name : {"", ".", "..", "...", ".a", "a.", "a..b", "a/b", "a%2Fb", "%2e", "a b", "a?b", "a#b",
                           "\\x", "caf\xc3\xa9"}) {
    EXPECT_FALSE(is_plain_action_name(name)) << name;
  }
  EXPECT_TRUE(is_plain_action_name(std::string(128, 'a')));
  EXPECT_FALSE(is_plain_action_name(std::string(129, 'a')));
}

}  // namespace sb::features::actions
