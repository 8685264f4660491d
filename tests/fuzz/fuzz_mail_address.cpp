// RFC 5322 3.4 address lists (with the obsolete forms of 4.4 and RFC 6532 UTF-8), and the
// author's domain for DKIM signing policy and DMARC. Properties: every mailbox has a local
// part and a lowercase domain; its address() parses back to exactly that mailbox (local part
// and domain); a From field of the same value gives the same mailboxes to author_from, which
// says `one` exactly when there is one.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/common/ascii.h"
#include "core/mail/address.h"
#include "fuzz_support.h"

using namespace dnsauth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view value = fuzz::as_text(data, size);
  auto list = mail::parse_address_list(value);
  if (!list) {
    fuzz::check_offset(list.error(), size);
    return 0;
  }
  for (const mail::Mailbox& m : *list) {
    FUZZ_CHECK(!m.domain.empty());
    // A domain-literal (RFC 5322 3.4.1) is kept as written; a name is lowercase.
    if (m.domain.front() != '[') FUZZ_CHECK(m.domain == ascii::to_lower(m.domain));
    std::string address = m.address();
    auto again = mail::parse_address_list(address);
    // U-labels are mapped to A-labels (IDNA, then the host-name rules), which read back as
    // themselves; UTF-8 local parts and literals are kept as written.
    FUZZ_CHECK_MSG(again.has_value(), address);
    FUZZ_CHECK_MSG(again->size() == 1, address);
    FUZZ_CHECK_MSG((*again)[0].local_part == m.local_part, address);
    FUZZ_CHECK_MSG((*again)[0].domain == m.domain, address);
    FUZZ_CHECK((*again)[0].display_name.empty());
  }

  // The same value as a From field (when it can be one: no bare line end in it).
  if (value.find_first_of("\r\n") != std::string_view::npos) return 0;
  auto field = mail::HeaderField::from_raw("From: " + std::string(value) + "\r\n");
  if (!field) return 0;
  mail::AuthorDomain author = mail::author_from({&*field});
  if (author.count == mail::FromCount::malformed) return 0;  // the unfolded value is trimmed
  FUZZ_CHECK(author.mailboxes == *list);
  FUZZ_CHECK((author.count == mail::FromCount::one) == (list->size() == 1));
  FUZZ_CHECK((author.count == mail::FromCount::none) == list->empty());
  FUZZ_CHECK(author.reason.empty() == (author.count == mail::FromCount::one));
  return 0;
}
