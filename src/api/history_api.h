#pragma once
#include <functional>

#include "hub/broker.h"
#include "protocol/http/http_request.h"
#include "protocol/http/response.h"

namespace sb::api {

// GET /api/history?channel=C[&since=N][&limit=L] (API key checked by the caller): what a
// channel that keeps history published after offset N (default 0: all it keeps), oldest
// first, at most L (default 100, at most 1000):
//   {"channel","epoch","offset","publications":[{"id","channel","event","data","offset",
//    "epoch","timestamp","metadata"?,"senderId"?}]}
// 400 for a missing or malformed channel, since or limit; 404 for a channel whose rule keeps
// no history; 503 when the broker cannot be read. respond runs on the calling loop.
void serve_history(const protocol::http::HttpRequest& request, hub::Broker& broker, size_t shard_index,
                   std::function<void(protocol::http::HttpResponse)> respond);

}  // namespace sb::api
