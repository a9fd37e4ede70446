// SPDX-License-Identifier: BSD-3-Clause
// Certificates for rpcaps://: pins (SHA-256 fingerprints) parsed, printed and
// computed, the common name a client certificate logs in as, and new keys
// and certificates made with OpenSSL (rpcap-conf cert, the tests).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rpcap/base/error.hpp"

namespace rpcap {

// A SHA-256 certificate fingerprint.
using Pin = std::array<std::uint8_t, 32>;

// Parse `text`, 64 hex digits with or without ':' between pairs, either
// case, optionally after "sha256 Fingerprint=" (openssl's output). Fails
// (ErrorKind::usage) naming the value.
Result<Pin> parse_pin(std::string_view text);
// "AB:CD:...", as openssl prints fingerprints.
std::string format_pin(const Pin& pin);

// A private key and its certificate, PEM.
struct PemIdentity {
  std::string key_pem;
  std::string cert_pem;
};

// What a generated certificate says.
struct CertSpec {
  std::string common_name;         // empty: the first host, else "rpcapd"
  std::vector<std::string> hosts;  // subjectAltName: DNS names and IP addresses
  std::int64_t not_before_s{-3600};       // validity start, seconds from now
  std::int64_t not_after_s{825 * 86400};  // validity end, seconds from now
  bool is_ca{false};               // a CA certificate (may sign others)
};

// Make an EC P-256 key and a certificate for it: self-signed, or signed by
// `issuer` when given. Fails (ErrorKind::io) if OpenSSL does.
Result<PemIdentity> make_certificate(const CertSpec& spec, const PemIdentity* issuer = nullptr);

// What rpcap-conf tls-cert makes: a server certificate for `hosts` (this
// host's name when empty) valid for `days` days.
CertSpec host_cert_spec(std::vector<std::string> hosts, unsigned days);

// The pin of the first certificate in `cert_pem`. Fails (ErrorKind::config).
Result<Pin> certificate_pin(std::string_view cert_pem);

// The subject's common name (CN) of the first certificate in `cert_pem`, in
// UTF-8: what a client certificate logs in as (rpcapd --client-ca). Fails
// (ErrorKind::auth) when the subject has no CN, more than one (which would
// be ambiguous), or one with a NUL byte; ErrorKind::config if `cert_pem`
// holds no certificate.
Result<std::string> certificate_common_name(std::string_view cert_pem);

}  // namespace rpcap
