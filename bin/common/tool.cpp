// SPDX-License-Identifier: BSD-3-Clause
#include "common/tool.hpp"

#include <cerrno>
#include <cstdlib>
#include <iostream>

#include "rpcap/base/text.hpp"

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

}  // namespace

std::optional<int> parse(CLI::App& app, int argc, char** argv)
{
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
    std::cout << target->help();
    return exit_ok;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return exit_ok;
  } catch (const CLI::CallForVersion&) {
    std::cout << version_text(app.get_name()) << "\n";
    return exit_ok;
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

int output(std::string_view text)
{
  std::cout << text << std::flush;
  return std::cout ? exit_ok : exit_failure;
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

std::string version_text(std::string_view prog)
{
  return std::string{prog} + " " RPCAP_VERSION;
}

}  // namespace rpcap::tool
