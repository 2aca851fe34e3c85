#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "transport/tls_settings.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace sb::transport {

// What the TLS connections of one listener did, read by /metrics from any thread.
struct TlsCounters {
  std::atomic<uint64_t> handshakes{0};          // completed
  std::atomic<uint64_t> resumed{0};             // of which resumed a session
  std::atomic<uint64_t> handshake_errors{0};    // garbage, bad versions, refused certificates
  std::atomic<uint64_t> handshake_timeouts{0};  // stalled past the deadline
  std::atomic<uint64_t> plain_http{0};          // a plain HTTP request on the TLS port
  std::atomic<uint64_t> reloads{0};             // certificate and key read again (SIGHUP)
  std::atomic<uint64_t> reload_errors{0};       // a reload that failed (the old pair stays)
};

// The server side of TLS for one listening port: an OpenSSL context built from PEM files,
// shared by every loop. New connections take the current context; reload() swaps in one
// read from the files again, while connections already open keep theirs.
class TlsContext {
 public:
  // Reads and checks the files (readable, key matching the certificate, CA loadable).
  // Returns nullptr with a readable error naming the file.
  static std::unique_ptr<TlsContext> create(const TlsSettings& settings, std::string& error);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // Thread-safe: reads the files again and serves new connections with them. Session
  // tickets issued before stay valid. On error the previous certificate stays in use.
  bool reload(std::string& error);
  // Thread-safe: a new server-side SSL on the current context (nullptr when OpenSSL is out
  // of memory). The caller owns it.
  SSL* new_ssl();

  const TlsSettings& settings() const { return settings_; }
  TlsCounters& counters() { return counters_; }

 private:
  explicit TlsContext(TlsSettings settings) : settings_(std::move(settings)) {}

  TlsSettings settings_;
  std::mutex mutex_;
  SSL_CTX* current_ = nullptr;  // guarded by mutex_; each SSL holds its own reference
  TlsCounters counters_;
};

}  // namespace sb::transport
