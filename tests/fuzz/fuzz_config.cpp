// The dnsauth.toml loader as every tool reads it (signing::parse_config: config::parse_config
// and then the [signer] settings and each domain's policy). Properties: any text is either a
// configuration or one error naming "file:line:column" (or the file) with Errc::syntax; a
// configuration has a policy per domain, valid domain and selector names, and reads the same
// the second time.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/signing/settings.h"
#include "fuzz_support.h"

using namespace dnsauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  const std::filesystem::path base = "/nonexistent/dnsauth-fuzz";
  auto config = signing::parse_config(text, "fuzz.toml", base);
  if (!config) {
    FUZZ_CHECK_MSG(config.error().detail.rfind("fuzz.toml", 0) == 0, config.error().message());
    return 0;
  }
  FUZZ_CHECK(config->policies.size() == config->domains().size());
  for (const config::Domain& d : config->domains()) {
    FUZZ_CHECK(!d.name.empty());
    FUZZ_CHECK(config->find_domain(d.name) != nullptr);
    for (const auto& s : d.selectors) FUZZ_CHECK(!s.name.empty());
  }
  auto again = signing::parse_config(text, "fuzz.toml", base);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->domains().size() == config->domains().size());
  FUZZ_CHECK(again->signer.socket == config->signer.socket);
  FUZZ_CHECK(again->key_dir() == config->key_dir());
  return 0;
}
