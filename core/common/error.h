// The core's error convention (docs/architecture.md, "Errors"): malformed input is an Error with a code,
// a precise detail and, where it applies, the byte offset into the input that was being read.
// Protocol outcomes (spf::Result, dkim::Status) are values, never Errors.
#pragma once

#include <cstddef>
#include <string>
#include <tl/expected.hpp>

namespace dnsauth {

enum class Errc {
  syntax,        // input does not follow the grammar (tag list, record, header, address)
  base64,        // a base64 field does not decode
  key,           // a key is unusable: wrong type, wrong size, does not parse
  unsupported,   // well-formed but not something we implement (unknown algorithm, version)
  limit,         // a configured or protocol limit was exceeded
  io,            // a file could not be read or written
  dns,           // the resolver could not answer
  crypto,        // OpenSSL failed where it should not have
  invalid_argument,
};

std::string_view to_string(Errc code) noexcept;

struct Error {
  static constexpr std::size_t no_offset = static_cast<std::size_t>(-1);

  Errc code = Errc::syntax;
  std::string detail;
  std::size_t offset = no_offset;  // byte offset into the input, when one applies

  // "syntax error at byte 12: tag 'v' must come first"
  std::string message() const;
};

template <class T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> make_error(Errc code, std::string detail,
                                        std::size_t offset = Error::no_offset) {
  return tl::unexpected<Error>(Error{code, std::move(detail), offset});
}

}  // namespace dnsauth
