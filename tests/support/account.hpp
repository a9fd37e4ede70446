// SPDX-License-Identifier: BSD-3-Clause
// Throwaway system accounts for tests of password logins.
#pragma once

#include <string>

namespace rpcap::test {

// A throwaway system account, in a throwaway group of its own as a
// supplementary group, with a known password; both removed at the end.
class TestUser {
public:
  TestUser();
  ~TestUser();
  TestUser(const TestUser&) = delete;
  TestUser& operator=(const TestUser&) = delete;
  const std::string& name() const { return m_name; }
  const std::string& group() const { return m_group; }
  const std::string& password() const { return m_password; }

private:
  std::string m_name;
  std::string m_group;
  std::string m_password;
};

// True if this process may create accounts (root with useradd); otherwise
// reports SKIPPED.
bool can_manage_users();

}  // namespace rpcap::test
