#include "protocol/http/request_parser.h"

#include <climits>

namespace sb::protocol::http {

RequestParser::RequestParser(ParserLimits limits) : limits_(limits) { reset(); }

void RequestParser::reset() {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  request_.clear();
  header_bytes_ = 0;
  error_status_ = 400;
  complete_ = false;
  started_ = false;
  headers_complete_ = false;
  expects_body_ = false;
  last_was_value_ = false;
}

bool RequestParser::count_header_bytes(size_t length) {
  header_bytes_ += length;
  if (header_bytes_ > limits_.max_header_bytes) {
    error_status_ = 431;
    return false;
  }
  return true;
}

RequestParser::Status RequestParser::feed(const char* data, size_t length, size_t& consumed) {
  consumed = http_parser_execute(&parser_, &settings_table(), data, length);
  if (complete_) {
    // http-parser stops right after an upgrade request's headers, and we pause it after each
    // complete message so pipelined requests are taken one at a time.
    return Status::kComplete;
  }
  if (HTTP_PARSER_ERRNO(&parser_) != HPE_OK) return Status::kError;
  if (parser_.upgrade) return Status::kError;  // upgrade without completion: malformed
  return Status::kNeedMore;
}

int RequestParser::on_message_begin(http_parser* p) {
  auto* self = static_cast<RequestParser*>(p->data);
  self->request_.clear();
  self->started_ = true;
  return 0;
}

int RequestParser::on_url(http_parser* p, const char* at, size_t length) {
  auto* self = static_cast<RequestParser*>(p->data);
  if (!self->count_header_bytes(length)) return 1;
  self->request_.target.append(at, length);
  return 0;
}

int RequestParser::on_header_field(http_parser* p, const char* at, size_t length) {
  auto* self = static_cast<RequestParser*>(p->data);
  if (!self->count_header_bytes(length)) return 1;
  auto& headers = self->request_.headers;
  if (headers.empty() || self->last_was_value_) headers.emplace_back();
  headers.back().first.append(at, length);
  self->last_was_value_ = false;
  return 0;
}

int RequestParser::on_header_value(http_parser* p, const char* at, size_t length) {
  auto* self = static_cast<RequestParser*>(p->data);
  if (!self->count_header_bytes(length)) return 1;
  if (self->request_.headers.empty()) return 1;
  self->request_.headers.back().second.append(at, length);
  self->last_was_value_ = true;
  return 0;
}

int RequestParser::on_headers_complete(http_parser* p) {
  auto* self = static_cast<RequestParser*>(p->data);
  self->request_.method = http_method_str(static_cast<http_method>(p->method));
  self->request_.keep_alive = http_should_keep_alive(p) != 0;
  self->request_.upgrade = p->upgrade != 0;
  self->request_.http_minor = p->http_minor;
  self->headers_complete_ = true;
  self->expects_body_ = (p->content_length != ULLONG_MAX && p->content_length > 0) || (p->flags & F_CHUNKED) != 0;
  if (p->content_length != ULLONG_MAX && p->content_length > self->limits_.max_body_bytes) {
    self->error_status_ = 413;
    return -1;
  }
  return 0;
}

int RequestParser::on_body(http_parser* p, const char* at, size_t length) {
  auto* self = static_cast<RequestParser*>(p->data);
  if (self->request_.body.size() + length > self->limits_.max_body_bytes) {
    self->error_status_ = 413;
    return 1;
  }
  self->request_.body.append(at, length);
  return 0;
}

int RequestParser::on_message_complete(http_parser* p) {
  auto* self = static_cast<RequestParser*>(p->data);
  self->complete_ = true;
  http_parser_pause(p, 1);
  return 0;
}

const http_parser_settings& RequestParser::settings_table() {
  static const http_parser_settings settings = [] {
    http_parser_settings s{};
    s.on_message_begin = &RequestParser::on_message_begin;
    s.on_url = &RequestParser::on_url;
    s.on_header_field = &RequestParser::on_header_field;
    s.on_header_value = &RequestParser::on_header_value;
    s.on_headers_complete = &RequestParser::on_headers_complete;
    s.on_body = &RequestParser::on_body;
    s.on_message_complete = &RequestParser::on_message_complete;
    return s;
  }();
  return settings;
}

}  // namespace sb::protocol::http
