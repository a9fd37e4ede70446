// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/net/openssl.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace rpcap::openssl {

// OpenSSL's reason for the last failure, and the error queue cleared.
std::string ssl_reason(std::string_view fallback)
{
  std::string out;
  unsigned long e = 0;
  while ((e = ERR_get_error()) != 0) {
    const char* r = ERR_reason_error_string(e);
    out = r != nullptr ? r : "error " + std::to_string(ERR_GET_REASON(e));
  }
  return out.empty() ? std::string{fallback} : out;
}

bool is_ip_address(const std::string& host)
{
  unsigned char buf[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 || ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

Result<X509Ptr> read_cert(std::string_view pem)
{
  BioPtr bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
  X509Ptr cert{bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr};
  if (!cert) { return make_error(ErrorKind::config, "not a PEM certificate: " + ssl_reason()); }
  return cert;
}

Pin digest(X509* cert)
{
  Pin pin{};
  unsigned len = 0;
  X509_digest(cert, EVP_sha256(), pin.data(), &len);
  return pin;
}

namespace {

void free_openssl_bytes(unsigned char* p) { OPENSSL_free(p); }

}  // namespace

// The one CN of `cert`'s subject, in UTF-8 (see certificate_common_name()).
Result<std::string> common_name_of(X509* cert)
{
  const X509_NAME* subject = X509_get_subject_name(cert);
  const int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (at < 0) { return make_error(ErrorKind::auth, "the certificate's subject has no CN"); }
  if (X509_NAME_get_index_by_NID(subject, NID_commonName, at) >= 0) {
    return make_error(ErrorKind::auth, "the certificate's subject has more than one CN");
  }
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
  unsigned char* utf8 = nullptr;
  const int n = ASN1_STRING_to_UTF8(&utf8, data);
  if (n < 0 || utf8 == nullptr) {
    ERR_clear_error();
    return make_error(ErrorKind::auth, "the certificate's CN is not a valid string");
  }
  const std::unique_ptr<unsigned char, Free<free_openssl_bytes>> owner{utf8};
  std::string cn(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(n));
  // A BMPString or UTF8String may hold a NUL that a C string would cut short.
  if (cn.find('\0') != std::string::npos) { return make_error(ErrorKind::auth, "the certificate's CN holds a NUL byte"); }
  return cn;
}

}  // namespace rpcap::openssl
