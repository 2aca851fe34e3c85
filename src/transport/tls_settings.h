#pragma once
#include <string>

namespace sb::transport {

// What a TLS listener serves: PEM files and the lowest protocol version accepted. Plain
// strings, so the configuration layer can hold them without OpenSSL.
struct TlsSettings {
  std::string cert_file;  // certificate chain, leaf first
  std::string key_file;   // the leaf's private key
  std::string ca_file;    // when set, clients must present a certificate signed by these CAs
  std::string min_version = "1.2";  // "1.2" or "1.3"

  bool enabled() const { return !cert_file.empty() || !key_file.empty(); }
  bool operator==(const TlsSettings& other) const {
    return cert_file == other.cert_file && key_file == other.key_file && ca_file == other.ca_file &&
           min_version == other.min_version;
  }
};

}  // namespace sb::transport
