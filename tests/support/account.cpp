// SPDX-License-Identifier: BSD-3-Clause
#include "support/account.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include "support/process.hpp"

namespace rpcap::test {

TestUser::TestUser()
    : m_name("rpcape2e" + std::to_string(::getpid() % 100000)), m_group(m_name + "g"), m_password("Pw-" + m_name + "-7")
{
  run({"/usr/sbin/userdel", m_name});
  run({"/usr/sbin/groupdel", m_group});
  REQUIRE(run({"/usr/sbin/groupadd", m_group}).exit_code == 0);
  // A shell that is not nologin or false, so a client certificate may name
  // the account (certificate_account()), and that runs nothing.
  REQUIRE(run({"/usr/sbin/useradd", "-M", "-s", "/bin/true", "-G", m_group, m_name}).exit_code == 0);
  REQUIRE(run({"/usr/sbin/chpasswd"}, m_name + ":" + m_password + "\n").exit_code == 0);
}

TestUser::~TestUser()
{
  run({"/usr/sbin/userdel", m_name});
  run({"/usr/sbin/groupdel", m_group});
}

bool can_manage_users()
{
  if (::geteuid() == 0 && ::access("/usr/sbin/useradd", X_OK) == 0) { return true; }
  WARN("SKIPPED: needs root and useradd to create a throwaway account");
  return false;
}

}  // namespace rpcap::test
