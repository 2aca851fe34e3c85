#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/identity.h"

// Request/response actions that the gateway answers itself (a feature module, used by the
// socketio dialect; forwarding to an application backend joins it later).
namespace sb::features::actions {

// Whether `action` is a plain action name: 1 to 128 bytes of ASCII letters, digits, '_'
// and '-', with single dots between such runs ("document.save"). A name is sent as one path
// segment of the actions URL, so nothing that a URL could read as a separator, a dot
// segment ("." or "..") or an escape ('%') is a name. Every dialect checks it before an
// action runs or leaves for the backend.
bool is_plain_action_name(std::string_view action);

// Who calls an action, as the gateway verified it.
struct Caller {
  const auth::Identity& identity;
  std::string_view artifact_id;  // from the connection, may be empty
  uint64_t now_ms;               // wall clock
  // Binary attachments of the request (Socket.IO), which its data names with placeholders
  // ({"_placeholder":true,"num":i}); empty for text requests.
  const std::vector<std::string>& attachments;
};

struct Result {
  bool ok = true;
  std::string data = "null";  // JSON text of the answer's data
  std::string error_code;     // when !ok: e.g. INVALID_DATA
  std::string error_message;
  std::vector<std::string> attachments;  // binary parts the answer's data names by placeholder
};

// The built-in actions by name. Shared by every loop: registered at start-up, then read only.
class ActionRegistry {
 public:
  using Handler = std::function<Result(std::string_view data_json, const Caller& caller)>;

  // Registers the built-ins: "ping" ({"pong":true,"serverTime"}), "whoami" (the caller's
  // id, name, company, session and artifact) and "echo" (the request's data and binary
  // attachments, unchanged).
  ActionRegistry();
  // Runs the action named `action` when it is built in and returns true; false otherwise
  // (the caller then forwards it or answers ACTION_NOT_FOUND).
  bool run(std::string_view action, std::string_view data_json, const Caller& caller, Result& out) const;

 private:
  std::unordered_map<std::string, Handler> handlers_;
};

}  // namespace sb::features::actions
