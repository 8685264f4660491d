// RFC 6376 3.6.1 key records (and RFC 8463's ed25519). Properties: a record that parses has
// p= (empty only when revoked), and written back as a tag list (v=DKIM1 first, p= in base64)
// it parses to the same record; the answers derived from it (hash allowed, email service,
// key type) do not change.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/common/base64.h"
#include "core/dkim/key_record.h"
#include "fuzz_support.h"

using namespace dnsauth;

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ":" : "") + items[i];
  return out;
}

std::string write(const dkim::KeyRecord& r) {
  std::string out = "v=DKIM1";
  if (!r.hashes.empty()) out += "; h=" + join(r.hashes);
  out += "; k=" + r.key_type;
  if (!r.notes.empty()) out += "; n=" + r.notes;
  if (!r.services.empty()) out += "; s=" + join(r.services);  // none: the default, "*"
  std::vector<std::string> flags;
  if (r.testing) flags.push_back("y");
  if (r.strict_identity) flags.push_back("s");
  if (!flags.empty()) out += "; t=" + join(flags);
  out += "; p=" + encode_base64(r.public_key);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  auto rec = dkim::parse_key_record(text);
  if (!rec) {
    fuzz::check_offset(rec.error(), size);
    return 0;
  }
  FUZZ_CHECK(rec->revoked() == rec->public_key.empty());
  std::string written = write(*rec);
  auto again = dkim::parse_key_record(written);
  FUZZ_CHECK_MSG(again.has_value(), written);
  FUZZ_CHECK_MSG(again->hashes == rec->hashes, written);
  FUZZ_CHECK_MSG(again->key_type == rec->key_type, written);
  FUZZ_CHECK_MSG(again->notes == rec->notes, written);
  FUZZ_CHECK(again->public_key == rec->public_key);
  FUZZ_CHECK_MSG(again->services == rec->services, written);
  FUZZ_CHECK(again->testing == rec->testing);
  FUZZ_CHECK(again->strict_identity == rec->strict_identity);
  FUZZ_CHECK(again->allows_hash("sha256") == rec->allows_hash("sha256"));
  FUZZ_CHECK(again->allows_email() == rec->allows_email());
  FUZZ_CHECK(again->type() == rec->type());
  return 0;
}
