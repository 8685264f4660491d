// The man pages (docs/man/*.scd) against what the programs and the loader accept: every option
// each program's --help lists is described in its page, and every key the configuration loader
// accepts (its only_keys lists in core/config/config.cpp and core/signing/settings.cpp) is
// described in dnsauth.toml(5). A new option or key without its documentation fails here.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/test_support.h"

namespace dnsauth::test {
namespace {

namespace fs = std::filesystem;

fs::path source_dir() { return data_dir().parent_path().parent_path(); }
std::string page(const std::string& name) { return read_file(source_dir() / "docs" / "man" / (name + ".scd")); }

// "--config", "--check-config", ... as --help prints them.
std::set<std::string> options_in_help(const std::string& tool, const std::vector<std::string>& args) {
  ProcessResult r = run_process(tool_path(tool).string(), args);
  EXPECT_EQ(r.status, 0) << tool << " " << (args.empty() ? "" : args[0]) << ": " << r.err;
  std::set<std::string> out;
  static const std::regex option(R"((^|[\s\[(])(--[a-z][a-z0-9-]+))");
  for (auto it = std::sregex_iterator(r.out.begin(), r.out.end(), option); it != std::sregex_iterator(); ++it)
    out.insert((*it)[2]);
  return out;
}

void expect_every_option_described(const std::string& tool, const std::vector<std::vector<std::string>>& helps,
                                   const std::string& man) {
  const std::string text = page(man);
  std::set<std::string> options;
  for (const auto& args : helps) options.merge(options_in_help(tool, args));
  EXPECT_GT(options.size(), 3u) << tool;
  for (const auto& o : options) EXPECT_NE(text.find("*" + o + "*"), std::string::npos) << man << ".scd lacks " << o;
}

TEST(ManPages, DnsauthSignerDescribesEveryOptionOfItsHelp) {
  expect_every_option_described("dnsauth-signer", {{"--help"}}, "dnsauth-signer.8");
}

TEST(ManPages, DnsauthPublishDescribesEveryOptionOfEveryCommand) {
  expect_every_option_described("dnsauth-publish",
                                {{"generate", "--help"}, {"rotate", "--help"}, {"lint", "--help"}, {"rules", "--help"},
                                 {"plan", "--help"}, {"apply", "--help"}, {"wait", "--help"}, {"status", "--help"}},
                                "dnsauth-publish.1");
}

TEST(ManPages, DnsauthValidateDescribesEveryOptionOfEveryCommand) {
  expect_every_option_described("dnsauth-validate",
                                {{"message", "--help"}, {"spf", "--help"}, {"selftest", "--help"},
                                 {"reports", "ingest", "--help"}, {"reports", "summary", "--help"},
                                 {"reports", "advise", "--help"}, {"reports", "html", "--help"}},
                                "dnsauth-validate.1");
}

// The string literals of every only_keys(table, where, {...}) call of a source file.
std::vector<std::string> accepted_keys(const fs::path& source) {
  const std::string text = read_file(source);
  std::vector<std::string> keys;
  static const std::regex call(R"(only_keys\([^{]*\{([^}]*)\})");
  static const std::regex literal(R"re("([a-z_0-9]+)")re");
  for (auto c = std::sregex_iterator(text.begin(), text.end(), call); c != std::sregex_iterator(); ++c) {
    const std::string list = (*c)[1];
    for (auto k = std::sregex_iterator(list.begin(), list.end(), literal); k != std::sregex_iterator(); ++k)
      keys.push_back((*k)[1]);
  }
  return keys;
}

TEST(ManPages, DnsauthTomlDescribesEveryKeyTheLoaderAccepts) {
  const std::string text = page("dnsauth.toml.5");
  std::vector<std::string> keys = accepted_keys(source_dir() / "core" / "config" / "config.cpp");
  std::vector<std::string> signer = accepted_keys(source_dir() / "core" / "signing" / "settings.cpp");
  keys.insert(keys.end(), signer.begin(), signer.end());
  ASSERT_GT(keys.size(), 40u) << "the only_keys lists were not found";
  for (const auto& k : keys) {
    // A key is described as "*key* =", a table as its header ([signer], [[domain.selector]], ...).
    bool described = text.find("*" + k + "* =") != std::string::npos || text.find("[" + k + "]") != std::string::npos ||
                     text.find("[domain." + k + "]") != std::string::npos;
    EXPECT_TRUE(described) << "dnsauth.toml.5.scd lacks the key '" << k << "'";
  }
}

}  // namespace
}  // namespace dnsauth::test
