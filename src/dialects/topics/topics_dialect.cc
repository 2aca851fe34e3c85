#include "dialects/topics/topics_dialect.h"

#include "dialects/topics/topics_session.h"

namespace sb::dialects::topics {

std::unique_ptr<protocol::websocket::WebSocketHandler> TopicsDialect::create_session(
    SessionContext& context, const protocol::http::HttpRequest&, auth::IdentityPtr, std::string connection_id) {
  return std::make_unique<TopicsSession>(context, encoding_slot_, std::move(connection_id));
}

}  // namespace sb::dialects::topics
