#include "transport/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sb::transport {

namespace {

constexpr unsigned char kSessionIdContext[] = "switchboard";
constexpr long kSessionCacheSize = 20000;
constexpr size_t kTicketKeysLength = 80;  // name, HMAC and AES keys (OpenSSL's layout)

std::string take_openssl_error() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

// A clear "cannot read" before OpenSSL's terser error for the same problem.
bool check_readable(const std::string& path, const char* what, std::string& error) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) {
    error = std::string(what) + " " + path + ": " + std::strerror(errno);
    return false;
  }
  std::fclose(file);
  return true;
}

// Chooses http/1.1 when the client offers it: WebSocket and the API speak nothing else.
// Without it the handshake goes on without ALPN rather than failing (old clients).
int select_http11(SSL* /*ssl*/, const unsigned char** out, unsigned char* out_length, const unsigned char* offered,
                  unsigned int offered_length, void* /*arg*/) {
  static constexpr unsigned char kHttp11[] = {'h', 't', 't', 'p', '/', '1', '.', '1'};
  for (unsigned int i = 0; i < offered_length;) {
    unsigned int length = offered[i];
    if (i + 1 + length > offered_length) break;
    if (length == sizeof(kHttp11) && std::memcmp(offered + i + 1, kHttp11, sizeof(kHttp11)) == 0) {
      *out = offered + i + 1;
      *out_length = static_cast<unsigned char>(length);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + length;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

SSL_CTX* build_context(const TlsSettings& settings, std::string& error) {
  if (settings.cert_file.empty() || settings.key_file.empty()) {
    error = "TLS needs both tls_cert and tls_key";
    return nullptr;
  }
  if (!check_readable(settings.cert_file, "tls_cert", error) || !check_readable(settings.key_file, "tls_key", error)) {
    return nullptr;
  }
  if (!settings.ca_file.empty() && !check_readable(settings.ca_file, "tls_ca", error)) return nullptr;
  int min_version = 0;
  if (settings.min_version == "1.2") {
    min_version = TLS1_2_VERSION;
  } else if (settings.min_version == "1.3") {
    min_version = TLS1_3_VERSION;
  } else {
    error = "tls_min_version must be \"1.2\" or \"1.3\", not \"" + settings.min_version + "\"";
    return nullptr;
  }
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) {
    error = "TLS: " + take_openssl_error();
    return nullptr;
  }
  auto fail = [&](const std::string& what) {
    error = what + ": " + take_openssl_error();
    SSL_CTX_free(ctx);
    return nullptr;
  };
  SSL_CTX_set_min_proto_version(ctx, min_version);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Idle connections give their read and write buffers back (about 34 KB each); a moving
  // write buffer lets a retried SSL_write point into a send buffer that grew meanwhile.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_use_certificate_chain_file(ctx, settings.cert_file.c_str()) != 1) {
    return fail("tls_cert " + settings.cert_file + " is not a PEM certificate chain");
  }
  // Read apart from its use, so that a key of another certificate is told as such.
  EVP_PKEY* key = nullptr;
  if (FILE* file = std::fopen(settings.key_file.c_str(), "r")) {
    key = PEM_read_PrivateKey(file, nullptr, nullptr, nullptr);
    std::fclose(file);
  }
  if (key == nullptr) return fail("tls_key " + settings.key_file + " is not a PEM private key");
  int used = SSL_CTX_use_PrivateKey(ctx, key);
  EVP_PKEY_free(key);
  if (used != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return fail("tls_key " + settings.key_file + " does not match tls_cert " + settings.cert_file);
  }
  if (!settings.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, settings.ca_file.c_str(), nullptr) != 1) {
      return fail("tls_ca " + settings.ca_file + " holds no PEM certificate");
    }
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(settings.ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(ctx, names);
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  // Resumption: TLS 1.3 tickets (one per handshake, the fewest bytes) and TLS 1.2 ids.
  SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof(kSessionIdContext) - 1);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  SSL_CTX_sess_set_cache_size(ctx, kSessionCacheSize);
  SSL_CTX_set_num_tickets(ctx, 1);
  SSL_CTX_set_alpn_select_cb(ctx, select_http11, nullptr);
  return ctx;
}

}  // namespace

std::unique_ptr<TlsContext> TlsContext::create(const TlsSettings& settings, std::string& error) {
  SSL_CTX* ctx = build_context(settings, error);
  if (ctx == nullptr) return nullptr;
  std::unique_ptr<TlsContext> context(new TlsContext(settings));
  context->current_ = ctx;
  return context;
}

TlsContext::~TlsContext() { SSL_CTX_free(current_); }

bool TlsContext::reload(std::string& error) {
  SSL_CTX* fresh = build_context(settings_, error);
  if (fresh == nullptr) {
    counters_.reload_errors.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  SSL_CTX* old = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Tickets issued under the old context still resume.
    unsigned char keys[kTicketKeysLength];
    if (SSL_CTX_get_tlsext_ticket_keys(current_, keys, sizeof(keys)) == 1) {
      SSL_CTX_set_tlsext_ticket_keys(fresh, keys, sizeof(keys));
    }
    old = current_;
    current_ = fresh;
  }
  SSL_CTX_free(old);  // connections made with it hold their own references
  counters_.reloads.fetch_add(1, std::memory_order_relaxed);
  return true;
}

SSL* TlsContext::new_ssl() {
  std::lock_guard<std::mutex> lock(mutex_);
  return SSL_new(current_);
}

}  // namespace sb::transport
