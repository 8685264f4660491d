// conf/: the systemd unit and the Postfix lines an operator copies, each setting with
// a comment saying what it does, and the settings the issue names present. The paths and
// signals in them must match what the build installs and what the signer handles.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace dnsauth::test {
namespace {

std::filesystem::path conf_dir() { return data_dir().parent_path().parent_path() / "conf"; }

struct Setting {
  int line = 0;
  std::string key, value;
  bool commented = false;  // the line above is a comment
};

// "key=value" (systemd) or "key = value" (Postfix) lines, skipping [Section] headers.
std::vector<Setting> settings(const std::string& text) {
  std::vector<Setting> out;
  std::istringstream in(text);
  std::string line, previous;
  for (int n = 1; std::getline(in, line); ++n, previous = line) {
    if (line.empty() || line[0] == '#' || line[0] == '[') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t"));
      s.erase(s.find_last_not_of(" \t") + 1);
      return s;
    };
    out.push_back({n, trim(line.substr(0, eq)), trim(line.substr(eq + 1)), previous.starts_with("#")});
  }
  return out;
}

std::map<std::string, std::string> by_key(const std::vector<Setting>& s) {
  std::map<std::string, std::string> m;
  for (const auto& x : s) m[x.key] = x.value;
  return m;
}

TEST(ConfFiles, EverySettingOfTheSystemdUnitIsCommented) {
  auto s = settings(read_file(conf_dir() / "dnsauth-signer.service"));
  ASSERT_GT(s.size(), 10u);
  for (const auto& x : s) EXPECT_TRUE(x.commented) << "dnsauth-signer.service:" << x.line << ": " << x.key;
  auto m = by_key(s);
  // Foreground, checked config first, SIGHUP for reload (the signer's reload signal).
  EXPECT_EQ(m["Type"], "simple");
  EXPECT_EQ(m["ExecStartPre"], "/usr/sbin/dnsauth-signer --config /etc/dnsauth/dnsauth.toml --check-config");
  EXPECT_EQ(m["ExecStart"], "/usr/sbin/dnsauth-signer --config /etc/dnsauth/dnsauth.toml");
  EXPECT_EQ(m["ExecReload"], "/bin/kill -HUP $MAINPID");
  // Room for [signer] max_connections (1024 by default) and the signer's own descriptors.
  EXPECT_GE(std::stol(m["LimitNOFILE"]), 1024 + 64);
  // The binary goes where the unit looks for it (cmake --install --prefix /usr: sbin).
  EXPECT_NE(read_file(conf_dir().parent_path() / "signer" / "CMakeLists.txt")
                .find("install(TARGETS dnsauth-signer RUNTIME DESTINATION sbin)"),
            std::string::npos);
}

TEST(ConfFiles, ThePostfixLinesTheIssueNamesAreThereAndCommented) {
  auto s = settings(read_file(conf_dir() / "postfix-main.cf"));
  for (const auto& x : s) EXPECT_TRUE(x.commented) << "postfix-main.cf:" << x.line << ": " << x.key;
  auto m = by_key(s);
  EXPECT_EQ(m["smtpd_milters"], "inet:127.0.0.1:8891");  // examples/dnsauth.toml: inet:8891@127.0.0.1
  EXPECT_EQ(m["non_smtpd_milters"], "$smtpd_milters");
  EXPECT_EQ(m["milter_default_action"], "tempfail");  // never lose mail, never pass it unsigned
  EXPECT_EQ(m["milter_protocol"], "6");
  EXPECT_NE(m["milter_mail_macros"].find("{auth_authen}"), std::string::npos);
}

}  // namespace
}  // namespace dnsauth::test
