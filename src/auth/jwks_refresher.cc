#include "auth/jwks_refresher.h"

#include <fstream>
#include <sstream>

#include "auth/http_fetch.h"
#include "auth/jwks.h"
#include "observability/log.h"

namespace sb::auth {

namespace {

constexpr size_t kMaxDocumentBytes = 1024 * 1024;

bool read_document(const JwksSettings& settings, std::string& out, std::string& error) {
  if (!settings.file.empty()) {
    std::ifstream in(settings.file, std::ios::binary);
    if (!in) {
      error = "cannot read " + settings.file;
      return false;
    }
    std::ostringstream text;
    text << in.rdbuf();
    out = text.str();
    if (out.size() > kMaxDocumentBytes) {
      error = settings.file + " is larger than 1 MiB";
      return false;
    }
    return true;
  }
  HttpFetchOptions options;
  options.timeout_ms = settings.timeout_ms;
  options.max_body_bytes = kMaxDocumentBytes;
  options.headers = {"Accept: application/json"};
  HttpFetchResult answer = http_get(settings.url, options);
  if (!answer.reached) {
    error = settings.url + ": " + answer.error;
    return false;
  }
  if (answer.status != 200) {
    error = settings.url + " answered HTTP " + std::to_string(answer.status);
    return false;
  }
  out = std::move(answer.body);
  return true;
}

}  // namespace

JwksRefresher::JwksRefresher(JwksSettings settings, JwtCodec& codec)
    : settings_(std::move(settings)), codec_(codec) {}

JwksRefresher::~JwksRefresher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

JwksRefresher::Outcome JwksRefresher::refresh(std::string& error) {
  std::string document;
  if (!read_document(settings_, document, error)) return Outcome::kUnreadable;
  if (document == last_document_) return Outcome::kInstalled;  // unchanged: the keys stand
  JwksKeys parsed;
  std::string parse_error;
  if (!parse_jwks(document, parsed, parse_error)) {
    error = (settings_.file.empty() ? settings_.url : settings_.file) + " is not a JWKS document: " + parse_error;
    return Outcome::kNotJwks;
  }
  for (const auto& reason : parsed.skipped) log::warn("jwks.key_skipped", {{"reason", reason}});
  std::string kids;
  for (const auto& key : parsed.keys) kids += (kids.empty() ? "" : ",") + key.kid;
  size_t count = parsed.keys.size();
  codec_.set_jwks_keys(std::move(parsed.keys));
  last_document_ = std::move(document);
  log::info("jwks.loaded", {{"keys", std::to_string(count)}, {"kids", kids}});
  return Outcome::kInstalled;
}

bool JwksRefresher::load_now(std::string& error) {
  last_attempt_ = Clock::now();
  Outcome outcome = refresh(error);
  if (outcome == Outcome::kInstalled) {
    refreshes_.fetch_add(1, std::memory_order_relaxed);
    last_ok_ = true;
    return true;
  }
  failures_.fetch_add(1, std::memory_order_relaxed);
  // A provider that is down must not keep the gateway from starting; a file that is not
  // there, or a document that is not a JWKS, is a configuration mistake.
  if (outcome == Outcome::kNotJwks || !settings_.file.empty()) return false;
  log::warn("jwks.unavailable", {{"error", error}, {"retry_seconds", std::to_string(settings_.min_refresh_seconds)}});
  error.clear();
  return true;
}

void JwksRefresher::start() {
  thread_ = std::thread([this] { run(); });
}

void JwksRefresher::request_refresh() {
  if (requested_.exchange(true, std::memory_order_relaxed)) return;  // already asked
  std::lock_guard lock(mutex_);
  wake_.notify_all();
}

void JwksRefresher::reload() {
  {
    std::lock_guard lock(mutex_);
    forced_ = true;
  }
  wake_.notify_all();
}

void JwksRefresher::run() {
  const auto regular = std::chrono::seconds(std::max<int64_t>(1, settings_.refresh_seconds));
  const auto soonest = std::chrono::seconds(std::max<int64_t>(0, settings_.min_refresh_seconds));
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // Due at the regular time after a success, sooner after a failure or when asked,
    // never sooner than `soonest` after the last attempt unless forced.
    Clock::time_point due = last_attempt_ + (last_ok_ ? regular : soonest);
    if (requested_.load(std::memory_order_relaxed)) due = std::min(due, last_attempt_ + soonest);
    if (forced_) due = Clock::now();
    if (Clock::now() < due) {
      // Woken early by a request, reload or stop: the loop works out the new due time.
      wake_.wait_until(lock, due);
      continue;
    }
    forced_ = false;
    requested_.store(false, std::memory_order_relaxed);
    last_attempt_ = Clock::now();
    lock.unlock();
    std::string error;
    bool ok = refresh(error) == Outcome::kInstalled;
    if (ok) {
      refreshes_.fetch_add(1, std::memory_order_relaxed);
    } else {
      failures_.fetch_add(1, std::memory_order_relaxed);
      log::warn("jwks.refresh_failed", {{"error", error}});
    }
    lock.lock();
    last_ok_ = ok;
  }
}

}  // namespace sb::auth
