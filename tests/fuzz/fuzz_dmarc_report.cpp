// The DMARC aggregate report reader (core/dmarc_report/parser.h: RFC 7489 Appendix C, DMARCbis
// aggregate reporting). Properties: an error's offset is inside the document; the visitor
// sees the header once, before the records, and as many records as the stats say; a header
// has org_name, report_id and domain, begin <= end and pct 0..100; a record has a source_ip
// that is an IP address and its required values; every kept text is UTF-8, trimmed, within
// max_text_bytes, and lowercase where the model says so; the model's views (report.h) read the
// same once the parse has returned as they did during it; a Parser reused for every input gives
// what a fresh one gives; a visitor that stops after k records gets min(k, n) of them; a
// document that passes tight limits passes the default ones with the same records.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/ascii.h"
#include "core/common/utf8.h"
#include "core/dmarc_report/parser.h"
#include "core/dns/ip_address.h"
#include "fuzz_support.h"

using namespace dnsauth;
using namespace dnsauth::dmarc_report;

namespace {

constexpr std::size_t kTextBytes = 8 * 1024;  // ParseLimits' default max_text_bytes

void check_text(std::string_view s, bool lowercase) {
  FUZZ_CHECK_MSG(utf8::valid(s), s);
  FUZZ_CHECK(s.size() <= kTextBytes);
  if (!s.empty()) {
    for (char c : {s.front(), s.back()}) FUZZ_CHECK_MSG(c != ' ' && c != '\t' && c != '\r' && c != '\n', s);
  }
  if (lowercase) FUZZ_CHECK_MSG(s == ascii::to_lower(s), s);
}

// log += each part (the model's texts are views: no operator+ for them).
void append(std::string& log, std::initializer_list<std::string_view> parts) {
  for (std::string_view part : parts) log += part;
}

std::string describe(const Header& h) {
  std::string out;
  append(out, {"H", to_string(h.schema), "|", h.version, "|", h.org_name, "|", h.email, "|", h.extra_contact_info,
               "|", h.generator, "|", h.report_id, "|", std::to_string(h.begin), "|", std::to_string(h.end), "|",
               h.domain, "|", h.adkim, h.aspf, "|", h.p, "|", h.sp, "|", h.np, "|",
               h.pct ? std::to_string(*h.pct) : "-", "|", h.fo, "|", h.testing, "|", h.discovery_method});
  for (std::string_view e : h.errors) append(out, {"|E", e});
  return out + "\n";
}

std::string describe(const Record& r) {
  std::string out;
  append(out, {"R", r.source_ip, "|", std::to_string(r.count), "|", r.disposition, "|", r.dkim, "|", r.spf, "|",
               r.header_from, "|", r.envelope_from, "|", r.envelope_to});
  for (const auto& reason : r.reasons) append(out, {"|O", reason.type, "/", reason.comment});
  for (const auto& d : r.dkim_results) append(out, {"|D", d.domain, "/", d.selector, "/", d.result, "/", d.human_result});
  for (const auto& s : r.spf_results) append(out, {"|S", s.domain, "/", s.scope, "/", s.result, "/", s.human_result});
  return out + "\n";
}

// Checks what it is given and writes it down, so that two parses can be compared; keeps the
// header and the records as given (views), to read them again once the parse has returned.
class Checker : public Visitor {
 public:
  explicit Checker(std::size_t stop_after = SIZE_MAX) : stop_after_(stop_after) {}

  bool header(const Header& h) override {
    FUZZ_CHECK(headers == 0 && records == 0);
    ++headers;
    FUZZ_CHECK(!h.org_name.empty() && !h.report_id.empty() && !h.domain.empty());
    FUZZ_CHECK(h.begin >= 0 && h.begin <= h.end);
    FUZZ_CHECK(!h.pct || (*h.pct >= 0 && *h.pct <= 100));
    for (const std::string_view* s : {&h.version, &h.org_name, &h.email, &h.extra_contact_info, &h.generator,
                                      &h.report_id, &h.fo})
      check_text(*s, false);
    for (std::string_view e : h.errors) check_text(e, false);
    for (const std::string_view* s : {&h.domain, &h.adkim, &h.aspf, &h.p, &h.sp, &h.np, &h.testing, &h.discovery_method})
      check_text(*s, true);
    log += describe(h);
    kept_header = h;
    return true;
  }

  bool record(const Record& r) override {
    FUZZ_CHECK(headers == 1);
    ++records;
    FUZZ_CHECK_MSG(dns::IpAddress::parse(r.source_ip).has_value(), r.source_ip);
    FUZZ_CHECK(!r.disposition.empty() && !r.dkim.empty() && !r.spf.empty() && !r.header_from.empty());
    check_text(r.source_ip, false);
    for (const std::string_view* s : {&r.disposition, &r.dkim, &r.spf, &r.header_from, &r.envelope_from, &r.envelope_to})
      check_text(*s, true);
    for (const auto& reason : r.reasons) {
      check_text(reason.type, true);
      check_text(reason.comment, false);
    }
    for (const auto& d : r.dkim_results) {
      check_text(d.domain, true);
      check_text(d.selector, false);
      check_text(d.result, true);
      check_text(d.human_result, false);
    }
    for (const auto& s : r.spf_results) {
      check_text(s.domain, true);
      check_text(s.scope, true);
      check_text(s.result, true);
      check_text(s.human_result, false);
    }
    log += describe(r);
    kept_records.push_back(r);
    return records < stop_after_;
  }

  std::size_t headers = 0;
  std::size_t records = 0;
  std::string log;
  Header kept_header;
  std::vector<Record> kept_records;

 private:
  std::size_t stop_after_;
};

struct Outcome {
  Result<ParseStats> stats;
  std::string log;
};

Outcome run(Parser& parser, std::string_view text, std::size_t stop_after = SIZE_MAX) {
  std::string xml(text);  // parsed in place
  Checker checker(stop_after);
  auto stats = parser.parse(xml, checker);
  if (stats) {
    FUZZ_CHECK(checker.headers == 1);
    FUZZ_CHECK(stats->records == checker.records);
    FUZZ_CHECK(stats->stopped == (checker.records == stop_after));
    // report.h: the views stay valid after the parse, until the next one (the store binds
    // them then); under ASan a view into freed memory is a finding.
    std::string again = describe(checker.kept_header);
    for (const Record& r : checker.kept_records) again += describe(r);
    FUZZ_CHECK(again == checker.log);
  } else {
    fuzz::check_offset(stats.error(), text.size());
    FUZZ_CHECK(!stats.error().detail.empty());
    FUZZ_CHECK(stats.error().code == Errc::syntax || stats.error().code == Errc::limit ||
               stats.error().code == Errc::unsupported);
  }
  return {std::move(stats), std::move(checker.log)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  static Parser reused;  // one Parser for every input, as a worker thread keeps one
  Outcome first = run(reused, text);
  Parser fresh;
  Outcome again = run(fresh, text);
  FUZZ_CHECK(first.stats.has_value() == again.stats.has_value());
  FUZZ_CHECK(first.log == again.log);
  if (!first.stats) {
    FUZZ_CHECK(first.stats.error().detail == again.stats.error().detail);
    FUZZ_CHECK(first.stats.error().offset == again.stats.error().offset);
    return 0;
  }
  std::size_t n = first.stats->records;
  // No more records than the text has <record> tags (when it is not UTF-16 or UTF-32).
  if (text.find('\0') == std::string_view::npos) {
    std::size_t tags = 0;
    for (std::size_t at = text.find("record"); at != std::string_view::npos; at = text.find("record", at + 1)) ++tags;
    FUZZ_CHECK(n <= tags);
  }
  if (n > 0) {
    std::size_t k = (size % n) + 1;  // 1..n
    Outcome stopped = run(fresh, text, k);
    FUZZ_CHECK(stopped.stats && stopped.stats->records == k);
    FUZZ_CHECK(first.log.compare(0, stopped.log.size(), stopped.log) == 0);
  }
  ParseLimits tight;
  tight.max_depth = 6;
  tight.max_text_bytes = 64;
  tight.max_records = 4;
  Parser small(tight);
  Outcome limited = run(small, text);
  if (limited.stats) FUZZ_CHECK(limited.log == first.log);
  return 0;
}
