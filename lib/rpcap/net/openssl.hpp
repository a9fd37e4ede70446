// SPDX-License-Identifier: BSD-3-Clause
// What the TLS channel (tls.cpp) and certificate making (certificate.cpp)
// share of OpenSSL: owners of its handles, its reason for a failure, and
// reading a certificate. Internal to lib/rpcap/net: no other header may
// include it, so no OpenSSL type leaks into the library's interface.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <string_view>

#include "rpcap/base/error.hpp"
#include "rpcap/net/certificate.hpp"

namespace rpcap::openssl {

// Owners of OpenSSL handles: unique_ptr<T, Free<T_free>>.
template <auto F>
struct Free {
  template <typename T>
  void operator()(T* p) const
  {
    F(p);
  }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, Free<SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, Free<SSL_free>>;
using X509Ptr = std::unique_ptr<X509, Free<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Free<BIO_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Free<X509_EXTENSION_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Free<BN_free>>;

// OpenSSL's reason for the last failure, and the error queue cleared.
std::string ssl_reason(std::string_view fallback = "unknown error");

// A numeric IPv4 or IPv6 address (not a host name).
bool is_ip_address(const std::string& host);

// The first certificate in `pem`. Fails (ErrorKind::config).
Result<X509Ptr> read_cert(std::string_view pem);

// The SHA-256 of `cert`'s DER.
Pin digest(X509* cert);

// The one CN of `cert`'s subject, in UTF-8 (see certificate_common_name()).
Result<std::string> common_name_of(X509* cert);

}  // namespace rpcap::openssl
