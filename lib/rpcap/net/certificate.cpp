// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/net/certificate.hpp"

#include "rpcap/net/openssl.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <unistd.h>

#include <algorithm>
#include <functional>

namespace rpcap {
namespace {

using namespace openssl;

// Host names and addresses that can go into a subjectAltName list as they are.
bool plain_host(const std::string& h)
{
  return !h.empty() && h.size() <= 253 && std::all_of(h.begin(), h.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'
           || c == ':' || c == '*' || c == '_';
  });
}

bool add_ext(X509* cert, X509* issuer, int nid, const std::string& value)
{
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtPtr ext{X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str())};
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

std::string to_pem(const std::function<int(BIO*)>& write)
{
  BioPtr bio{BIO_new(BIO_s_mem())};
  if (!bio || write(bio.get()) != 1) { return {}; }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace

Result<Pin> parse_pin(std::string_view text)
{
  const std::string shown{text.substr(0, 120)};
  std::string_view t = text;
  if (auto eq = t.find('='); eq != std::string_view::npos) { t = t.substr(eq + 1); }
  Pin pin{};
  std::size_t n = 0;
  int half = -1;
  for (char c : t) {
    int v = -1;
    if (c >= '0' && c <= '9') { v = c - '0'; }
    if (c >= 'a' && c <= 'f') { v = c - 'a' + 10; }
    if (c >= 'A' && c <= 'F') { v = c - 'A' + 10; }
    if (c == ':' && half < 0) { continue; }
    if (v < 0 || n >= pin.size()) { n = pin.size() + 1; break; }
    if (half < 0) {
      half = v;
    } else {
      pin[n++] = static_cast<std::uint8_t>(half * 16 + v);
      half = -1;
    }
  }
  if (n != pin.size() || half >= 0) {
    return make_error(ErrorKind::usage, "pin \"" + shown
                                            + "\" is not a SHA-256 fingerprint (64 hex digits, colons allowed, as "
                                              "'openssl x509 -noout -fingerprint -sha256' prints it)");
  }
  return pin;
}

std::string format_pin(const Pin& pin)
{
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < pin.size(); ++i) {
    if (i > 0) { out += ':'; }
    out += k_hex[pin[i] >> 4];
    out += k_hex[pin[i] & 0xf];
  }
  return out;
}

Result<Pin> certificate_pin(std::string_view cert_pem)
{
  auto cert = read_cert(cert_pem);
  if (!cert) { return std::move(cert).error(); }
  return digest(cert->get());
}

Result<std::string> certificate_common_name(std::string_view cert_pem)
{
  auto cert = read_cert(cert_pem);
  if (!cert) { return std::move(cert).error(); }
  return common_name_of(cert->get());
}

Result<PemIdentity> make_certificate(const CertSpec& spec, const PemIdentity* issuer)
{
  auto fail = [](const std::string& what) { return make_error(ErrorKind::io, "make a certificate: " + what + ": " + ssl_reason()); };
  for (const auto& h : spec.hosts) {
    if (!plain_host(h)) { return make_error(ErrorKind::usage, "\"" + h + "\" is not a host name or IP address"); }
  }
  PkeyPtr key{EVP_EC_gen("P-256")};
  if (!key) { return fail("EC key"); }
  X509Ptr cert{X509_new()};
  if (!cert) { return fail("X509_new"); }
  X509_set_version(cert.get(), 2);
  BnPtr serial{BN_new()};
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1
      || BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return fail("serial number");
  }
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(spec.not_before_s));
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(spec.not_after_s));
  X509_set_pubkey(cert.get(), key.get());
  const std::string cn = !spec.common_name.empty() ? spec.common_name : !spec.hosts.empty() ? spec.hosts.front() : "rpcapd";
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);

  X509Ptr issuer_cert;
  PkeyPtr issuer_key;
  if (issuer != nullptr) {
    auto ic = read_cert(issuer->cert_pem);
    if (!ic) { return std::move(ic).error(); }
    issuer_cert = std::move(*ic);
    BioPtr bio{BIO_new_mem_buf(issuer->key_pem.data(), static_cast<int>(issuer->key_pem.size()))};
    issuer_key.reset(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!issuer_key) { return fail("issuer key"); }
    X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer_cert.get()));
  } else {
    X509_set_issuer_name(cert.get(), name);
  }
  X509* signer = issuer_cert ? issuer_cert.get() : cert.get();
  bool ok = add_ext(cert.get(), signer, NID_basic_constraints, spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE")
            && add_ext(cert.get(), signer, NID_key_usage,
                       spec.is_ca ? "critical,keyCertSign,cRLSign,digitalSignature" : "critical,digitalSignature")
            && add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (ok && !spec.is_ca) { ok = add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth,clientAuth"); }
  if (ok && issuer_cert) { ok = add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid:always"); }
  if (ok && !spec.hosts.empty()) {
    std::string san;
    for (const auto& h : spec.hosts) { san += (san.empty() ? "" : ",") + std::string{is_ip_address(h) ? "IP:" : "DNS:"} + h; }
    ok = add_ext(cert.get(), signer, NID_subject_alt_name, san);
  }
  if (!ok) { return fail("extensions"); }
  if (X509_sign(cert.get(), issuer_key ? issuer_key.get() : key.get(), EVP_sha256()) == 0) { return fail("sign"); }

  PemIdentity out;
  out.key_pem = to_pem([&](BIO* b) { return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
  out.cert_pem = to_pem([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); });
  if (out.key_pem.empty() || out.cert_pem.empty()) { return fail("PEM"); }
  return out;
}

CertSpec host_cert_spec(std::vector<std::string> hosts, unsigned days)
{
  CertSpec spec;
  spec.hosts = std::move(hosts);
  if (spec.hosts.empty()) {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) == 0 && name[0] != '\0') { spec.hosts.emplace_back(name); }
  }
  spec.not_after_s = std::int64_t{days} * 86400;
  return spec;
}

}  // namespace rpcap
