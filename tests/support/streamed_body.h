// A body split anywhere, on its way to a dkim::BodyHasher as mail::MessageParser sends it: through
// a mail::BodyNormalizer, which makes it CRLF form (RFC 6376 5.3) and never splits a CRLF across
// chunks (the hasher's contract, core/dkim/canonicalize.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/dkim/canonicalize.h"
#include "core/mail/line_ends.h"

namespace dnsauth::test {

class StreamedBodyHasher {
 public:
  explicit StreamedBodyHasher(dkim::Canon canon, std::optional<std::uint64_t> length_limit = std::nullopt)
      : hasher_(canon, length_limit) {}

  void update(std::string_view chunk) {
    normalizer_.feed(chunk, [this](std::string_view normalized) { hasher_.update(normalized); });
  }
  std::string finish() {
    normalizer_.finish([this](std::string_view normalized) { hasher_.update(normalized); });
    return hasher_.finish();
  }
  dkim::BodyHasher& hasher() noexcept { return hasher_; }

 private:
  mail::BodyNormalizer normalizer_;
  dkim::BodyHasher hasher_;
};

}  // namespace dnsauth::test
