// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/client/extcap.hpp"

#include <array>

namespace rpcap::extcap {
namespace {

// Wireshark opens it from the interface's help button; desktops hand man: to a viewer.
constexpr std::string_view k_help = "man:rpcap-extcap(1)";

// One argument of a configuration dialog. `extra` holds the fields after
// type, each as "{key=value}" (default, range, reload, ...).
struct Arg {
  std::string_view call;  // without its dashes
  std::string_view display;
  std::string_view type;
  std::string_view extra;
  std::string_view tooltip;
  std::string_view group;
};

// The arguments both interfaces have: who logs in, how the connection is
// secured (the TLS switch's wording is each interface's), what is captured.
constexpr Arg k_username{"remote-username", "Username", "string", "",
                         "Log in with this user and a password (empty: no authentication)", "Authentication"};
constexpr Arg k_password{"remote-password", "Password", "password", "", "The password of the user", "Authentication"};
constexpr Arg k_plaintext{"allow-plaintext-password", "Send the password without TLS", "boolflag", "{default=false}",
                          "Send the password in clear text when TLS is off (anyone on the path can read it)",
                          "Authentication"};
constexpr Arg k_ca{"ca", "CA certificates", "fileselect", "{mustexist=true}",
                   "Trust the CA certificates in this PEM file instead of the system's trust store", "TLS"};
constexpr Arg k_pin{"pin", "Certificate pin (SHA-256)", "string", "",
                    "Trust exactly the certificate with this SHA-256 fingerprint (rpcap-conf tls-cert prints it)",
                    "TLS"};
constexpr Arg k_snaplen{"snaplen", "Snapshot length", "unsigned", "{default=262144}{range=0,262144}",
                        "Keep at most this many bytes of each packet (0: all)", "Capture"};
constexpr Arg k_promiscuous{"promiscuous", "Promiscuous mode", "boolflag", "{default=true}",
                            "Put the daemon's interface into promiscuous mode", "Capture"};
constexpr Arg k_sampling{"sampling", "Sampling", "string", "{validation=^((every|after-ms):[1-9][0-9]*)?$}",
                         "Keep one packet of every N (every:N) or the first after each N ms (after-ms:N), if the "
                         "daemon supports it",
                         "Capture"};

// The dialog of `rpcap`, in the order it shows them: where the daemon is,
// who logs in, how the connection is secured, what is captured.
constexpr std::array k_passive_args{
    Arg{"remote-host", "Remote host", "string", "{required=true}",
        "The host name or address of the rpcapd to capture from", "Server"},
    Arg{"remote-port", "Remote port", "unsigned", "{default=2002}{range=1,65535}",
        "The TCP port the daemon listens on", "Server"},
    // A selector, not an editselector: Wireshark 4.0 (Debian 12's) refuses
    // the whole dialog for a type it does not know. So a name is typed in
    // the next field when the list cannot be loaded (the capture needs one
    // of the two), or given as a preference (-o extcap.rpcap.remoteinterface:eth0).
    Arg{"remote-interface", "Remote interface", "selector", "{reload=true}{placeholder=Load}",
        "The daemon's interface to capture: press Load to list the daemon's interfaces", "Server"},
    Arg{"remote-interface-name", "Interface name, typed", "string", "",
        "The daemon's interface to capture when it is not in the list (the list could not be loaded): "
        "this name is used instead of the selection",
        "Server"},
    k_username,
    k_password,
    k_plaintext,
    Arg{"tls", "Use TLS (rpcaps://)", "boolflag", "{default=false}", "Speak TLS to the daemon (rpcapd --tls)", "TLS"},
    k_ca,
    k_pin,
    Arg{"udp", "UDP data channel", "boolflag", "{default=false}",
        "Receive the packets over UDP instead of a TCP connection", "Capture"},
    k_snaplen,
    k_promiscuous,
    k_sampling,
};

// The dialog of `rpcap-active`: the daemon's interface cannot be listed
// before a daemon calls in, so it is typed.
constexpr std::array k_active_args{
    Arg{"listen-port", "Listen port", "unsigned", "{default=2003}{range=1,65535}",
        "The TCP port to wait on for a daemon in active mode (rpcapd -a HOST,PORT)", "Server"},
    Arg{"remote-interface", "Remote interface", "string", "{required=true}",
        "The interface of the calling daemon to capture", "Server"},
    k_username,
    k_password,
    k_plaintext,
    Arg{"tls", "Use TLS", "boolflag", "{default=false}",
        "Speak TLS to the daemon that calls in (rpcapd -a HOST,PORT -S)", "TLS"},
    k_ca,
    k_pin,
    k_snaplen,
    k_promiscuous,
    k_sampling,
};

Error not_ours(std::string_view iface)
{
  return make_error(ErrorKind::usage, "unknown extcap interface \"" + std::string{iface} + "\" (expected \"" +
                                          std::string{k_passive} + "\" or \"" + std::string{k_active} + "\")");
}

// The index of argument `call` in `args`, or -1.
template <typename Args>
int index_of(const Args& args, std::string_view call)
{
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i].call == call) { return static_cast<int>(i); }
  }
  return -1;
}

// The "value" lines of argument `number` for `devices`.
std::string value_lines(int number, const std::vector<Interface>& devices, std::string_view current)
{
  bool current_listed = false;
  for (const auto& d : devices) { current_listed = current_listed || d.name == current; }
  std::string out;
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const auto& d = devices[i];
    const bool is_default = current_listed ? d.name == current : i == 0;
    out += "value {arg=" + std::to_string(number) + "}{value=" + field(d.name) + "}{display=" + field(d.name) +
           (d.description.empty() ? "" : ": " + field(d.description)) + "}{default=" +
           (is_default ? "true" : "false") + "}\n";
  }
  return out;
}

}  // namespace

std::string field(std::string_view text)
{
  std::string out;
  for (char c : text) {
    // Wireshark ends a field at the first "}" and a line at a line break;
    // a bracket-free stand-in keeps the rest of the text readable.
    if (c == '{') { out += '('; }
    else if (c == '}') { out += ')'; }
    else if (c == '\n' || c == '\r') { out += ' '; }
    else { out += c; }
  }
  return out;
}

std::string version_line(std::string_view version)
{
  return "extcap {version=" + field(version) + "}{help=" + std::string{k_help} + "}\n";
}

std::string interfaces_text(std::string_view version)
{
  return version_line(version) + "interface {value=" + std::string{k_passive} +
         "}{display=Remote capture (RPCAP)}\n" + "interface {value=" + std::string{k_active} +
         "}{display=Remote capture, daemons calling in (RPCAP active mode)}\n";
}

Result<std::string> dlts_text(std::string_view iface)
{
  // The link type is the remote interface's, known only once it is opened;
  // Wireshark takes the real one from the pcap header, as with sshdump.
  if (iface != k_passive && iface != k_active) { return not_ours(iface); }
  return "dlt {number=147}{name=" + std::string{iface} + "}{display=The remote interface's link type}\n";
}

Result<std::string> config_text(std::string_view iface, std::string_view current)
{
  if (iface != k_passive && iface != k_active) { return not_ours(iface); }
  auto lines = [](const auto& args) {
    std::string out;
    for (std::size_t i = 0; i < args.size(); ++i) {
      const Arg& a = args[i];
      out += "arg {number=" + std::to_string(i) + "}{call=--" + std::string{a.call} + "}{display=" +
             std::string{a.display} + "}{type=" + std::string{a.type} + "}" + std::string{a.extra} + "{tooltip=" +
             std::string{a.tooltip} + "}{group=" + std::string{a.group} + "}\n";
    }
    return out;
  };
  if (iface == k_active) { return lines(k_active_args); }
  std::string out = lines(k_passive_args);
  // An interface typed or chosen before stays in the selector.
  if (!current.empty()) {
    out += value_lines(index_of(k_passive_args, k_interface_arg), {Interface{std::string{current}, "", 0, {}}}, current);
  }
  return out;
}

Result<std::string> reload_text(std::string_view iface, std::string_view option, const std::vector<Interface>& devices,
                                std::string_view current)
{
  if (iface != k_passive && iface != k_active) { return not_ours(iface); }
  if (option.substr(0, 2) == "--") { option.remove_prefix(2); }
  if (iface != k_passive || option != k_interface_arg) {
    return make_error(ErrorKind::usage, "--extcap-reload-option \"" + std::string{option} + "\": interface \"" +
                                            std::string{iface} + "\" has no values to reload for it");
  }
  return value_lines(index_of(k_passive_args, k_interface_arg), devices, current);
}

}  // namespace rpcap::extcap
