#pragma once
#include <http_parser.h>

#include <cstddef>
#include <string>

#include "protocol/http/http_request.h"

namespace sb::protocol::http {

struct ParserLimits {
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
};

// Incremental HTTP/1.1 request parser over libhttp-parser. Feed bytes as they arrive; one
// request at a time (pipelined bytes after a complete request are left unconsumed).
class RequestParser {
 public:
  enum class Status {
    kNeedMore,  // all input consumed, request incomplete
    kComplete,  // request() holds a full request; `consumed` says where it ended
    kError,     // malformed or over a limit; error_status() gives the HTTP status to answer
  };

  explicit RequestParser(ParserLimits limits = {});
  // Parses data[0..length). On kComplete, consumed is the byte count that belonged to the
  // request (for an upgrade: everything before the first WebSocket byte).
  Status feed(const char* data, size_t length, size_t& consumed);
  const HttpRequest& request() const { return request_; }
  HttpRequest& request() { return request_; }
  // 400 (malformed), 413 (body too large) or 431 (headers too large).
  int error_status() const { return error_status_; }
  // Prepares for the next request on a keep-alive connection.
  void reset();
  // Whether a byte of the current request has arrived (its head deadline runs).
  bool started() const { return started_; }
  // Whether the current request's headers are complete (its body deadline runs).
  bool headers_complete() const { return headers_complete_; }
  // Whether the request announced a body (Content-Length > 0 or chunked).
  bool expects_body() const { return expects_body_; }

 private:
  static int on_message_begin(http_parser* p);
  static int on_url(http_parser* p, const char* at, size_t length);
  static int on_header_field(http_parser* p, const char* at, size_t length);
  static int on_header_value(http_parser* p, const char* at, size_t length);
  static int on_headers_complete(http_parser* p);
  static int on_body(http_parser* p, const char* at, size_t length);
  static int on_message_complete(http_parser* p);
  static const http_parser_settings& settings_table();
  bool count_header_bytes(size_t length);

  http_parser parser_;
  ParserLimits limits_;
  HttpRequest request_;
  size_t header_bytes_ = 0;
  int error_status_ = 400;
  bool complete_ = false;
  bool started_ = false;
  bool headers_complete_ = false;
  bool expects_body_ = false;
  bool last_was_value_ = false;
};

}  // namespace sb::protocol::http
