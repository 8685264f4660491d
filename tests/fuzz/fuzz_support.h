// Shared by the fuzz targets of tests/fuzz: property checks that abort (so libFuzzer and the
// replay driver both report a violated property as a crash), a deterministic generator for the
// chunk splits a target tries, and a small text format for DNS data that a target reads from
// its input into a dns::MemoryResolver. Every target builds with clang + libFuzzer and with
// g++ + replay_main.cpp (tests/fuzz/CMakeLists.txt), so nothing here depends on either.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/dns/resolver.h"

// Aborts with the condition and where, when a property does not hold.
#define FUZZ_CHECK(cond) \
  ((cond) ? (void)0 : ::dnsauth::fuzz::property_failed(#cond, __FILE__, __LINE__, {}))
// The same with a detail to print (what was compared).
#define FUZZ_CHECK_MSG(cond, detail) \
  ((cond) ? (void)0 : ::dnsauth::fuzz::property_failed(#cond, __FILE__, __LINE__, (detail)))

namespace dnsauth::fuzz {

[[noreturn]] inline void property_failed(const char* what, const char* file, int line,
                                         std::string_view detail) {
  std::fprintf(stderr, "%s:%d: property violated: %s\n", file, line, what);
  if (!detail.empty()) std::fprintf(stderr, "  %.*s\n", static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// The input as text.
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// An error points into the input it is about (or nowhere).
inline void check_offset(const Error& error, std::size_t input_size) {
  FUZZ_CHECK(error.offset == Error::no_offset || error.offset <= input_size);
}

// splitmix64: the same sequence from the same seed on every build, so a chunk split found by
// the fuzzer replays exactly.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // 0 .. n-1 (n > 0).
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

 private:
  std::uint64_t state_;
};

// The input as a fuzz target reads it: a few leading bytes as options, the rest as the text.
class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : rest_(as_text(data, size)) {}
  // One byte of options (0 when the input is used up).
  std::uint8_t byte() {
    if (rest_.empty()) return 0;
    auto b = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | byte();
    return v;
  }
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

// text cut into pieces of 1..max_piece bytes (the last may be shorter), as the generator says.
inline std::vector<std::string_view> random_split(std::string_view text, Rng& rng,
                                                  std::size_t max_piece) {
  std::vector<std::string_view> pieces;
  while (!text.empty()) {
    std::size_t n = 1 + rng.below(max_piece);
    if (n > text.size()) n = text.size();
    pieces.push_back(text.substr(0, n));
    text.remove_prefix(n);
  }
  return pieces;
}

// Lines separated by LF (a CR before it stays part of the line).
inline std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

// The next word of `line` (up to a space), removed from it.
inline std::string_view next_word(std::string_view& line) {
  std::size_t start = line.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    line = {};
    return {};
  }
  line.remove_prefix(start);
  std::size_t end = line.find(' ');
  std::string_view word = line.substr(0, end);
  line.remove_prefix(end == std::string_view::npos ? line.size() : end);
  return word;
}

// DNS data as the check_host and DMARC discovery targets read it, one record a line:
//   <name> TXT <text to the end of the line>       <name> A <address>    <name> AAAA <address>
//   <name> MX <preference> <exchange>              <name> PTR <target>   <name> CNAME <target>
//   <name> EXISTS          (an empty non-terminal) <name> TEMPFAIL [TYPE]
// Lines that are none of these are ignored, so any input is some DNS.
inline void load_memory_zone(dns::MemoryResolver& dns, const std::vector<std::string_view>& lines) {
  for (std::string_view line : lines) {
    std::string_view name = next_word(line);
    std::string_view type = next_word(line);
    if (name.empty() || type.empty()) continue;
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (type == "TXT") {
      dns.add_txt(name, std::string(line));
    } else if (type == "A") {
      dns.add_a(name, std::string(next_word(line)));
    } else if (type == "AAAA") {
      dns.add_aaaa(name, std::string(next_word(line)));
    } else if (type == "MX") {
      std::string_view pref = next_word(line);
      std::uint16_t p = 0;
      for (char c : pref)
        if (c >= '0' && c <= '9') p = static_cast<std::uint16_t>(p * 10 + (c - '0'));
      dns.add_mx(name, p, next_word(line));
    } else if (type == "PTR") {
      dns.add_ptr(name, next_word(line));
    } else if (type == "CNAME") {
      dns.add_cname(name, next_word(line));
    } else if (type == "EXISTS") {
      dns.add_name(name);
    } else if (type == "TEMPFAIL") {
      std::string_view which = next_word(line);
      if (which == "TXT") dns.add_tempfail(name, dns::RRType::TXT);
      else if (which == "A") dns.add_tempfail(name, dns::RRType::A);
      else if (which == "MX") dns.add_tempfail(name, dns::RRType::MX);
      else dns.add_tempfail(name);
    }
  }
}

// A resolver that counts what it is asked, for bounds on the queries an evaluation makes.
class CountingResolver : public dns::Resolver {
 public:
  explicit CountingResolver(dns::Resolver& upstream) : upstream_(upstream) {}
  dns::Answer query(std::string_view name, dns::RRType type) override {
    ++queries_;
    return upstream_.query(name, type);
  }
  std::size_t queries() const { return queries_; }

 private:
  dns::Resolver& upstream_;
  std::size_t queries_ = 0;
};

}  // namespace dnsauth::fuzz
