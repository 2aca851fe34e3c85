#include "features/actions/action_registry.h"

#include "json/json_writer.h"

namespace sb::features::actions {

bool is_plain_action_name(std::string_view action) {
  if (action.empty() || action.size() > 128) return false;
  bool after_dot = true;  // a name cannot start with a dot
  for (char c : action) {
    if (c == '.') {
      if (after_dot) return false;
      after_dot = true;
      continue;
    }
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!plain) return false;
    after_dot = false;
  }
  return !after_dot;  // nor end with one
}

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
