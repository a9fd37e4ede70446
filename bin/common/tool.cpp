// SPDX-License-Identifier: BSD-3-Clause
#include "common/tool.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>

#include "rpcap/base/text.hpp"
#include "rpcap/config/config.hpp"

namespace rpcap::tool {
namespace {

void print(std::string_view prog, std::string_view level, std::string_view msg)
{
  std::cerr << message_line(prog, level, msg) << std::flush;
}

// The program name at the root of `app`'s tree of subcommands.
std::string root_name(const CLI::App& app)
{
  const CLI::App* a = &app;
  while (a->get_parent() != nullptr) { a = a->get_parent(); }
  return a->get_name();
}

// CLI11's help with its artefacts taken out: a positional's type after its
// name ("SOURCE SOURCE"), and a check that says the type again ("FILE:FILE").
class HelpFormatter final : public CLI::Formatter {
public:
  std::string make_option_opts(const CLI::Option* opt) const override
  {
    std::string text = CLI::Formatter::make_option_opts(opt);
    const std::string type = opt->get_type_name();
    const auto at = type.empty() ? std::string::npos : text.find(" " + type);
    if (at == std::string::npos) { return text; }
    std::string kept;
    std::size_t i = 0;
    const std::string base = type.substr(0, type.find(':'));
    for (std::size_t part = 0; i <= type.size(); ++part) {
      const std::size_t end = std::min(type.find(':', i), type.size());
      const std::string p = type.substr(i, end - i);
      i = end + 1;
      const bool said = opt->get_positional() ? part == 0 || p == opt->get_name() : part > 0 && p == base;
      if (!said) { kept += (kept.empty() ? "" : ":") + p; }
    }
    text.replace(at, type.size() + 1, kept.empty() ? "" : " " + kept);
    return text;
  }
};

// Give `app` and its subcommands the formatter.
void use_help_formatter(CLI::App& app, const std::shared_ptr<HelpFormatter>& f)
{
  app.formatter(f);
  for (CLI::App* sub : app.get_subcommands({})) { use_help_formatter(*sub, f); }
}

// "rpcap-conf" for the help of "rpcap-conf check": the names above `app`.
std::string parents_of(const CLI::App& app)
{
  std::string out;
  for (const CLI::App* a = app.get_parent(); a != nullptr; a = a->get_parent()) {
    out = a->get_name() + (out.empty() ? "" : " " + out);
  }
  return out;
}

}  // namespace

std::optional<int> parse(CLI::App& app, int argc, char** argv)
{
  use_help_formatter(app, std::make_shared<HelpFormatter>());
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    // the help of the subcommand that was asked for, if any
    const CLI::App* target = &app;
    for (const CLI::App* sub = target; sub != nullptr;) {
      target = sub;
      auto subs = sub->get_subcommands();
      sub = subs.empty() ? nullptr : subs.front();
    }
    return output(app, target->help(parents_of(*target)));
  } catch (const CLI::CallForAllHelp&) {
    return output(app, app.help("", CLI::AppFormatMode::All));
  } catch (const CLI::CallForVersion&) {
    return output(app, version_text(app.get_name()) + "\n");
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    if (!msg.empty() && msg.back() == '\n') { msg.pop_back(); }
    error(root_name(app), msg + " (see --help)");
    return exit_usage;
  }
  return std::nullopt;
}

int report(const CLI::App& app, const Error& err)
{
  error(root_name(app), err.message);
  switch (err.kind) {
  case ErrorKind::usage:
  case ErrorKind::config:
    return exit_usage;
  default:
    return exit_failure;
  }
}

Status write_output(std::string_view text)
{
  // std::cout's state says that a write failed, not why: write(2) does.
  std::cout.flush();
  while (!text.empty()) {
    const ssize_t n = ::write(STDOUT_FILENO, text.data(), text.size());
    if (n > 0) {
      text.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) { continue; }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{STDOUT_FILENO, POLLOUT, 0};
      (void)::poll(&p, 1, -1);
      continue;
    }
    return make_error(ErrorKind::io, std::string{"standard output: "} + std::strerror(n < 0 ? errno : EIO));
  }
  return {};
}

int output(const CLI::App& app, std::string_view text)
{
  if (auto st = write_output(text); !st) { return report(app, st.error()); }
  return exit_ok;
}

void error(std::string_view prog, std::string_view msg) { print(prog, "error", msg); }
void warning(std::string_view prog, std::string_view msg) { print(prog, "warning", msg); }
void info(std::string_view prog, std::string_view msg) { print(prog, "info", msg); }

CLI::Validator seconds_between(double min, double max)
{
  auto number = [](double v) {
    std::string t = std::to_string(v);
    t.erase(t.find_last_not_of('0') + 1);
    if (!t.empty() && t.back() == '.') { t.pop_back(); }
    return t;
  };
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        double v = 0;
        if (CLI::detail::lexical_cast(text, v) && v >= min && v <= max) { return {}; }
        return "value \"" + text + "\" is not a number of seconds from " + number(min) + " to " + number(max);
      },
      number(min) + "-" + number(max));
}

CLI::Validator whole_between(std::uint64_t min, std::uint64_t max)
{
  const std::string range = max == UINT64_MAX ? "at least " + std::to_string(min)
                                              : "from " + std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        const bool digits = !text.empty() && text.size() <= 20
                            && text.find_first_not_of("0123456789") == std::string::npos;
        errno = 0;
        const unsigned long long v = digits ? std::strtoull(text.c_str(), nullptr, 10) : 0;
        if (digits && errno == 0 && v >= min && v <= max) { return {}; }
        if (digits && errno == 0) { return "must be " + range; }
        return "must be a whole number " + range + ", not \"" + text + "\"";
      },
      max == UINT64_MAX ? ">=" + std::to_string(min) : std::to_string(min) + "-" + std::to_string(max));
}

CLI::Validator listening_port()
{
  // No description: the help says what PORT may be.
  return CLI::Validator(
      [](std::string& text) -> std::string { return listening_port_problem(text).value_or(std::string{}); }, "");
}

std::string version_text(std::string_view prog)
{
  return std::string{prog} + " " RPCAP_VERSION;
}

}  // namespace rpcap::tool
