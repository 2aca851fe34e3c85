#include "dialects/dialect.h"

namespace sb::dialects {

void Dialect::authenticate_upgrade(SessionContext&, const protocol::http::HttpRequest&, UpgradeAuthDone done) {
  done(UpgradeAuth{0, {}, auth::anonymous_identity(), {}});
}

}  // namespace sb::dialects
