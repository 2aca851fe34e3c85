#include "dialects/server_events.h"

#include <gtest/gtest.h>

namespace sb::dialects {

TEST(ServerEvents, EveryDialectsServerMessagesWhateverTheSpelling) {
  for (const char* type : {"CONNECTION_ESTABLISHED", "connection.established", "USER_JOINED", "user.joined",
                           "user-left", "presence.join", "typing", "Cursor", "NOTIFICATION", "notification",
                           "maintenance", "ERROR", "error", "connected", "subscribed", "message.sent",
                           "connection.ready", "meeting.participant.joined", "decision.result", "RESPONSE"}) {
    EXPECT_TRUE(is_server_event_type(type)) << type;
  }
  for (const char* type : {"message", "MATTER_UPDATED", "document.uploaded", "chat", "order.shipped", "errors"}) {
    EXPECT_FALSE(is_server_event_type(type)) << type;
  }
}

TEST(ServerEvents, DollarTypesAreTheServersOrders) {
  // A client publishing the disconnect order (or any `$` type) is refused like any other
  // server message, so only a backend can give one.
  for (const char* type : {"$disconnect", "$anything", "$"}) EXPECT_TRUE(is_server_event_type(type)) << type;
  EXPECT_FALSE(is_server_event_type("price$"));
}

}  // namespace sb::dialects
