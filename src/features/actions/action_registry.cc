#include "features/actions/action_registry.h"

#include "json/json_writer.h"

namespace sb::features::actions {

ActionRegistry::ActionRegistry() {
  handlers_["ping"] = [](std::string_view, const Caller& caller) {
    Result r;
    r.data.clear();
    json::ObjectWriter(r.data).boolean("pong", true).string("serverTime", json::iso8601(caller.now_ms)).end();
    return r;
  };
  handlers_["whoami"] = [](std::string_view, const Caller& caller) {
    Result r;
    r.data.clear();
    json::ObjectWriter w(r.data);
    w.string("userId", caller.identity.user_id);
    if (!caller.identity.name.empty()) w.string("name", caller.identity.name); else w.null("name");
    if (!caller.identity.tenant().empty()) w.string("companyId", caller.identity.tenant()); else w.null("companyId");
    if (!caller.identity.session_id().empty()) w.string("sessionId", caller.identity.session_id()); else w.null("sessionId");
    if (!caller.artifact_id.empty()) w.string("artifactId", caller.artifact_id); else w.null("artifactId");
    w.end();
    return r;
  };
  handlers_["echo"] = [](std::string_view data, const Caller& caller) {
    Result r;
    r.data = data;
    r.attachments = caller.attachments;
    return r;
  };
}

bool ActionRegistry::run(std::string_view action, std::string_view data_json, const Caller& caller,
                         Result& out) const {
  auto it = handlers_.find(std::string(action));
  if (it == handlers_.end()) return false;
  out = it->second(data_json, caller);
  return true;
}

}  // namespace sb::features::actions
