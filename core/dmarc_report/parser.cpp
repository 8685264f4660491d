// The DMARC aggregate report reader (parser.h): pugixml builds the tree in the caller's buffer,
// then a walk reads the schema's elements (RFC 7489 Appendix C; DMARCbis dmarc-xml-0.2.xsd)
// into one reused Header and Record, checking each value as it goes.
#include "core/dmarc_report/parser.h"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <deque>
#include <span>

#include <pugixml.hpp>

#include "core/common/ascii.h"
#include "core/common/utf8.h"
#include "core/dns/ip_address.h"

namespace dnsauth::dmarc_report {

std::string_view to_string(Schema schema) noexcept {
  switch (schema) {
    case Schema::rfc7489: return "rfc7489";
    case Schema::dmarc_org_0_2: return "dmarc.org-0.2";
    case Schema::dmarcbis: return "dmarcbis";
  }
  return "rfc7489";
}

namespace {

// - parse_escapes: the five predefined entities and character references are decoded in place
//   (neither makes text longer). pugixml never expands any other entity: it has no DTD
//   processing at all, so "&xxe;" or "&lol9;" would stay in the text as written; with
//   parse_doctype the <!DOCTYPE> that could define them becomes a node, and parse() refuses it.
//   A reference to U+0000 is refused before pugixml sees it (nul_reference).
// - parse_cdata: a receiver may wrap a value in <![CDATA[...]]>; Reader::text joins it.
// - parse_eol: CR LF inside a value (a <comment>, a <human_result>) reads as LF.
// - parse_embed_pcdata: an element's text is stored in the element, not in a child node (less
//   memory, one pointer less to follow per value).
// - parse_trim_pcdata: values are trimmed where they lie. Whitespace-only text between
//   elements (indentation) is not kept at all (no parse_ws_pcdata), nor are comments and PIs.
constexpr unsigned kParseOptions = pugi::parse_escapes | pugi::parse_cdata | pugi::parse_eol |
                                   pugi::parse_doctype | pugi::parse_embed_pcdata |
                                   pugi::parse_trim_pcdata;

// The namespaces of the root element (parser.h, report.h Schema).
constexpr std::string_view kNamespace01 = "http://dmarc.org/dmarc-xml/0.1";
constexpr std::string_view kNamespace02 = "http://dmarc.org/dmarc-xml/0.2";
constexpr std::string_view kNamespaceBis = "urn:ietf:params:xml:ns:dmarc-2.0";

bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Inline, and done only where there is something to trim: pugixml trims most text already.
[[gnu::always_inline]] inline std::string_view trim(std::string_view s) {
  if (s.empty() || (!is_xml_space(s.front()) && !is_xml_space(s.back()))) return s;
  while (!s.empty() && is_xml_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_xml_space(s.back())) s.remove_suffix(1);
  return s;
}

// Element names are compared without their prefix: "ns1:feedback" is <feedback>. One pass over
// the name, inline: this runs for every element of the document.
std::string_view local_name(const char* name) {
  const char* start = name;
  const char* end = name;
  for (; *end != '\0'; ++end)
    if (*end == ':') start = end + 1;
  return {start, static_cast<std::size_t>(end - start)};
}

// Element names against the field tables and the schema's names: most differ in length or in
// their first letter, so this rarely gets to compare bytes. Forced inline: it runs for every
// element against several names, and a call cost more than the comparison.
[[gnu::always_inline]] inline bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && (a.empty() || (a[0] == b[0] && std::memcmp(a.data(), b.data(), a.size()) == 0));
}

std::size_t offset_of(const pugi::xml_node& node) {
  std::ptrdiff_t offset = node.offset_debug();
  return offset < 0 ? Error::no_offset : static_cast<std::size_t>(offset);
}

// A value as an error detail shows it: at most 40 bytes, anything but printable ASCII as '?'
// (the value may be the very bytes that are not UTF-8).
std::string quoted(std::string_view value) {
  std::string out = "'";
  for (char c : value.substr(0, 40)) out += (c >= 0x20 && c < 0x7F) ? c : '?';
  return out + (value.size() > 40 ? "...'" : "'");
}

// ASCII only (RFC 4343 for domain names); written without a branch so that it vectorizes.
// The value lies in memory the parse owns (report.h: the document parsed in place, pugixml's
// own copy of a converted document, or the Parser's joined texts), hence the const_cast.
void lower_in_place(std::string_view& s) {
  char* p = const_cast<char*>(s.data());
  for (std::size_t i = 0; i < s.size(); ++i)
    p[i] = static_cast<char>(p[i] + ((static_cast<unsigned char>(p[i] - 'A') < 26) << 5));
}

// "0", "00042": decimal digits only, no sign (xs:integer written as receivers write it).
bool parse_digits(std::string_view s, std::uint64_t& out, bool& too_large) {
  too_large = false;
  if (s.empty()) return false;
  for (char c : s)
    if (!ascii::is_digit(c)) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  too_large = ec == std::errc::result_out_of_range;
  return ec == std::errc() && end == s.data() + s.size();
}

// A string member of a model struct read from one child element, by its local name. Every one
// is at most once in its parent (the schemas' maxOccurs="1"): a second one is an error rather
// than a guess which to keep.
template <class T>
struct Field {
  std::string_view name;
  const char* path;        // as error details name it: "<row><policy_evaluated><dkim>"
  std::string_view T::*member;
  bool lowercase;          // an enumerated value (RFC 7489 C's enumerations) or a domain name
  bool required;           // present and not empty
};

// RFC 7489 C "ReportMetadataType"; DMARCbis adds <generator>. <error> and <date_range> are
// read by Reader::metadata.
constexpr Field<Header> kMetadataFields[] = {
    {"org_name", "<report_metadata><org_name>", &Header::org_name, false, true},
    {"email", "<report_metadata><email>", &Header::email, false, false},
    {"extra_contact_info", "<report_metadata><extra_contact_info>", &Header::extra_contact_info, false, false},
    {"report_id", "<report_metadata><report_id>", &Header::report_id, false, true},
    {"generator", "<report_metadata><generator>", &Header::generator, false, false},
};

// RFC 7489 C "PolicyPublishedType"; DMARCbis adds np, testing and discovery_method and drops
// pct (read by Reader::policy).
constexpr Field<Header> kPolicyFields[] = {
    {"domain", "<policy_published><domain>", &Header::domain, true, true},
    {"adkim", "<policy_published><adkim>", &Header::adkim, true, false},
    {"aspf", "<policy_published><aspf>", &Header::aspf, true, false},
    {"p", "<policy_published><p>", &Header::p, true, false},
    {"sp", "<policy_published><sp>", &Header::sp, true, false},
    {"np", "<policy_published><np>", &Header::np, true, false},
    {"fo", "<policy_published><fo>", &Header::fo, false, false},
    {"testing", "<policy_published><testing>", &Header::testing, true, false},
    {"discovery_method", "<policy_published><discovery_method>", &Header::discovery_method, true, false},
};

// RFC 7489 C "PolicyEvaluatedType": all three are required; <reason> repeats.
constexpr Field<Record> kEvaluatedFields[] = {
    {"disposition", "<row><policy_evaluated><disposition>", &Record::disposition, true, true},
    {"dkim", "<row><policy_evaluated><dkim>", &Record::dkim, true, true},
    {"spf", "<row><policy_evaluated><spf>", &Record::spf, true, true},
};

constexpr Field<PolicyOverride> kReasonFields[] = {
    {"type", "<row><policy_evaluated><reason><type>", &PolicyOverride::type, true, false},
    {"comment", "<row><policy_evaluated><reason><comment>", &PolicyOverride::comment, false, false},
};

// RFC 7489 C "IdentifierType": header_from is required.
constexpr Field<Record> kIdentifierFields[] = {
    {"header_from", "<identifiers><header_from>", &Record::header_from, true, true},
    {"envelope_from", "<identifiers><envelope_from>", &Record::envelope_from, true, false},
    {"envelope_to", "<identifiers><envelope_to>", &Record::envelope_to, true, false},
};

// RFC 7489 C "DKIMAuthResultType" and "SPFAuthResultType". Their elements are kept as sent,
// none required: a receiver's incomplete auth_results still leaves the row's counts usable.
constexpr Field<DkimResult> kDkimFields[] = {
    {"domain", "<auth_results><dkim><domain>", &DkimResult::domain, true, false},
    {"selector", "<auth_results><dkim><selector>", &DkimResult::selector, false, false},
    {"result", "<auth_results><dkim><result>", &DkimResult::result, true, false},
    {"human_result", "<auth_results><dkim><human_result>", &DkimResult::human_result, false, false},
};

constexpr Field<SpfResult> kSpfFields[] = {
    {"domain", "<auth_results><spf><domain>", &SpfResult::domain, true, false},
    {"scope", "<auth_results><spf><scope>", &SpfResult::scope, true, false},
    {"result", "<auth_results><spf><result>", &SpfResult::result, true, false},
    {"human_result", "<auth_results><spf><human_result>", &SpfResult::human_result, false, false},
};

// No string field of its own (the children are read by the `other` callback).
template <class T>
constexpr std::span<const Field<T>> kNoFields{};

template <class T, std::size_t N>
void clear_fields(std::span<const Field<T>, N> fields, T& out) {
  for (const Field<T>& f : fields) out.*f.member = {};
}

// The n-th element of `items` to fill: reused with its strings' capacity when the previous
// record had one there.
template <class T>
T& next_item(std::vector<T>& items, std::size_t& used) {
  if (used == items.size()) items.emplace_back();
  return items[used++];
}

// The first element of the subtree at `top` (itself at `depth`) that lies deeper than
// max_depth, or a null node; walked without recursion, since a hostile document may nest 100k
// elements (pugixml's parser does not recurse either, nor does freeing its tree).
pugi::xml_node too_deep(const pugi::xml_node& top, std::size_t depth, std::size_t max_depth) {
  if (depth > max_depth && top.type() == pugi::node_element) return top;
  pugi::xml_node node = top.first_child();
  ++depth;
  while (node) {
    if (depth > max_depth && node.type() == pugi::node_element) return node;
    if (pugi::xml_node child = node.first_child()) {
      node = child;
      ++depth;
      continue;
    }
    while (node != top && !node.next_sibling()) {
      node = node.parent();
      --depth;
    }
    if (node == top) break;
    node = node.next_sibling();
  }
  return {};
}

tl::unexpected<Error> depth_error(const pugi::xml_node& at, std::size_t max_depth) {
  return make_error(Errc::limit, "elements nested deeper than max_depth (" + std::to_string(max_depth) + ")",
                    offset_of(at));
}

// One parse: the limits, where in the document the walk is (for error details and the depth
// limit) and a buffer for text that arrives in pieces. The walk follows the schema, so the
// elements it reads are a few levels deep; only what it skips (unknown elements, elements
// inside a value) can go deeper, and only that is walked to the bottom for max_depth.
class Reader {
 public:
  Reader(const ParseLimits& limits, std::string& scratch, std::deque<std::string>& joined)
      : limits_(limits), scratch_(scratch), joined_(joined) {}

  void at_record(std::size_t number) { record_ = number; }
  // The depth of the elements about to be read (the root is at 1).
  void at_depth(std::size_t depth) { depth_ = depth; }

  // "record 12: <row><count>: 'x1' is not a number". A `what` that begins with a space
  // continues the path (" is missing"); any other follows a colon.
  tl::unexpected<Error> fail(Errc code, const pugi::xml_node& at, std::string_view path,
                             std::string_view what, std::size_t offset = Error::no_offset) const {
    std::string detail;
    if (record_ != 0) detail = "record " + std::to_string(record_) + ": ";
    detail.append(path);
    if (!what.empty() && what.front() != ' ') detail += ": ";
    detail.append(what);
    return make_error(code, std::move(detail), offset != Error::no_offset ? offset : offset_of(at));
  }

  // The text of `element` (at depth_), trimmed: its character data and CDATA sections joined,
  // at most max_text_bytes, well-formed UTF-8. Elements inside it are not part of it.
  Result<std::string_view> text(const pugi::xml_node& element, std::string_view path) {
    const char* embedded = element.value();  // the first character data (parse_embed_pcdata)
    std::string_view value(embedded);
    bool joined = false;
    // More pieces: a CDATA section, or character data split by a comment or PI.
    for (pugi::xml_node piece = element.first_child(); piece; piece = piece.next_sibling()) {
      pugi::xml_node_type type = piece.type();
      if (type == pugi::node_element) {
        if (pugi::xml_node deep = too_deep(piece, depth_ + 1, limits_.max_depth)) return depth_error(deep, limits_.max_depth);
        continue;
      }
      if (type != pugi::node_pcdata && type != pugi::node_cdata) continue;
      if (!joined) scratch_.assign(value);
      joined = true;
      if (scratch_.size() <= limits_.max_text_bytes) scratch_ += piece.value();
    }
    if (joined) value = scratch_;  // kept in joined_ below, once it is known to be good
    if (value.size() > limits_.max_text_bytes) {
      return fail(Errc::limit, element, path,
                  "text longer than max_text_bytes (" + std::to_string(limits_.max_text_bytes) + ")");
    }
    if (std::size_t bad = utf8::invalid_at(value); bad != std::string_view::npos) {
      // The byte itself when the value lies in the document (one piece): the element's name
      // and its text are in the same buffer.
      std::size_t at = offset_of(element);
      if (!joined && at != Error::no_offset) at += static_cast<std::size_t>(embedded - element.name()) + bad;
      return fail(Errc::syntax, element, path, "text is not UTF-8", at);
    }
    if (joined) return std::string_view(joined_.emplace_back(trim(value)));
    return trim(value);
  }

  // The children of `parent`: the ones `fields` names go into `out`, the others to
  // other(child, local name), which answers whether it knew the element; one it did not is
  // skipped (after the depth check). Then the required fields must be there and not empty.
  template <class T, std::size_t N, class Other>
  Result<void> read(const pugi::xml_node& parent, std::span<const Field<T>, N> fields, T& out, Other&& other) {
    ++depth_;  // the children's
    struct Up {
      std::size_t& depth;
      ~Up() { --depth; }
    } up{depth_};
    std::uint32_t seen = 0;
    // Character data between elements has the name "": no field, skipped like an unknown element.
    for (pugi::xml_node child = parent.first_child(); child; child = child.next_sibling()) {
      if (depth_ > limits_.max_depth && child.type() == pugi::node_element) return depth_error(child, limits_.max_depth);
      std::string_view name = local_name(child.name());
      std::size_t i = 0;
      while (i < fields.size() && !same(fields[i].name, name)) ++i;
      if (i == fields.size()) {
        Result<bool> known = other(child, name);
        if (!known) return tl::unexpected(std::move(known.error()));
        if (!*known) {
          if (pugi::xml_node deep = too_deep(child, depth_, limits_.max_depth)) return depth_error(deep, limits_.max_depth);
        }
        continue;
      }
      const Field<T>& f = fields[i];
      if ((seen & (1u << i)) != 0) return fail(Errc::syntax, child, f.path, " appears twice");
      seen |= 1u << i;
      auto value = text(child, f.path);
      if (!value) return tl::unexpected(std::move(value.error()));
      std::string_view& target = out.*f.member;
      target = *value;
      if (f.lowercase) lower_in_place(target);
    }
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].required && (out.*fields[i].member).empty()) {
        bool there = (seen & (1u << i)) != 0;
        return fail(Errc::syntax, parent, fields[i].path, there ? " is empty" : " is missing");
      }
    }
    return {};
  }

  // An element that may appear once in its parent (`seen` keeps which were there).
  Result<bool> once(std::uint32_t& seen, std::uint32_t bit, const pugi::xml_node& at, std::string_view path) const {
    if ((seen & bit) != 0) return fail(Errc::syntax, at, path, " appears twice");
    seen |= bit;
    return true;
  }

  Result<std::uint64_t> number(const pugi::xml_node& element, std::string_view path) {
    auto value = text(element, path);
    if (!value) return tl::unexpected(std::move(value.error()));
    std::uint64_t n = 0;
    bool too_large = false;
    if (!parse_digits(*value, n, too_large))
      return fail(Errc::syntax, element, path, quoted(*value) + (too_large ? " is too large" : " is not a number"));
    return n;
  }

  // RFC 7489 C DateRangeType: xs:integer seconds since the epoch. A fraction of zeros is
  // accepted ("1337270400.0", as NetEase's 2012 reports wrote it): the same integer.
  Result<std::int64_t> time(const pugi::xml_node& element, std::string_view path) {
    auto value = text(element, path);
    if (!value) return tl::unexpected(std::move(value.error()));
    std::string_view digits = *value;
    if (std::size_t dot = digits.find('.'); dot != std::string_view::npos) {
      if (digits.find_first_not_of('0', dot + 1) == std::string_view::npos) digits = digits.substr(0, dot);
    }
    std::uint64_t n = 0;
    bool too_large = false;
    if (!parse_digits(digits, n, too_large) || n > static_cast<std::uint64_t>(INT64_MAX))
      return fail(Errc::syntax, element, path, quoted(*value) + " is not a number of seconds");
    return static_cast<std::int64_t>(n);
  }

  // The root's children before the records: <version>, <report_metadata>, <policy_published>
  // wherever they are (RFC 7489 C puts them first), so that the header is whole before the
  // first record is handed on. Records are left to the caller.
  Result<void> header(const pugi::xml_node& root, Header& h) {
    std::uint32_t seen = 0;
    enum : std::uint32_t { kMetadata = 1, kPolicy = 2, kVersion = 4 };
    auto other = [&](const pugi::xml_node& child, std::string_view name) -> Result<bool> {
      if (same(name, "record")) return true;  // read later
      if (same(name, "report_metadata")) {
        if (auto ok = once(seen, kMetadata, child, "<report_metadata>"); !ok) return ok;
        return known(metadata(child, h));
      }
      if (same(name, "policy_published")) {
        if (auto ok = once(seen, kPolicy, child, "<policy_published>"); !ok) return ok;
        return known(policy(child, h));
      }
      if (same(name, "version")) {  // DMARCbis: xs:decimal, kept as sent
        if (auto ok = once(seen, kVersion, child, "<version>"); !ok) return ok;
        auto value = text(child, "<version>");
        if (!value) return tl::unexpected(std::move(value.error()));
        h.version = *value;
        return true;
      }
      return false;
    };
    if (auto done = read(root, kNoFields<Header>, h, other); !done) return done;
    if ((seen & kMetadata) == 0) return fail(Errc::syntax, root, "<report_metadata>", " is missing");
    if ((seen & kPolicy) == 0) return fail(Errc::syntax, root, "<policy_published>", " is missing");
    return {};
  }

  Result<void> record(const pugi::xml_node& node, Record& r) {
    clear_fields(std::span(kEvaluatedFields), r);
    clear_fields(std::span(kIdentifierFields), r);
    r.source_ip = {};
    r.count = 0;
    std::size_t reasons = 0, dkims = 0, spfs = 0;
    std::uint32_t seen = 0;
    enum : std::uint32_t { kRow = 1, kIdentifiers = 2, kAuthResults = 4 };
    auto other = [&](const pugi::xml_node& child, std::string_view name) -> Result<bool> {
      if (same(name, "row")) {
        if (auto ok = once(seen, kRow, child, "<row>"); !ok) return ok;
        return known(row(child, r, reasons));
      }
      if (same(name, "identifiers")) {
        if (auto ok = once(seen, kIdentifiers, child, "<identifiers>"); !ok) return ok;
        return known(read(child, std::span(kIdentifierFields), r, unknown));
      }
      if (same(name, "auth_results")) {
        if (auto ok = once(seen, kAuthResults, child, "<auth_results>"); !ok) return ok;
        return known(auth_results(child, r, dkims, spfs));
      }
      return false;
    };
    auto done = read(node, kNoFields<Record>, r, other);
    // What was filled is kept, what the previous record left beyond it goes.
    r.reasons.resize(reasons);
    r.dkim_results.resize(dkims);
    r.spf_results.resize(spfs);
    if (!done) return done;
    if ((seen & kRow) == 0) return fail(Errc::syntax, node, "<row>", " is missing");
    if ((seen & kIdentifiers) == 0) return fail(Errc::syntax, node, "<identifiers>", " is missing");
    return {};
  }

 private:
  // Every element is unknown (the callback of a parent whose children are all `fields`).
  static Result<bool> unknown(const pugi::xml_node&, std::string_view) { return false; }
  // A known element was read (or failed).
  static Result<bool> known(Result<void> read) {
    if (!read) return tl::unexpected(std::move(read.error()));
    return true;
  }

  Result<void> metadata(const pugi::xml_node& node, Header& h) {
    std::uint32_t seen = 0;
    auto other = [&](const pugi::xml_node& child, std::string_view name) -> Result<bool> {
      if (same(name, "error")) {  // RFC 7489 C: maxOccurs="unbounded"
        auto value = text(child, "<report_metadata><error>");
        if (!value) return tl::unexpected(std::move(value.error()));
        h.errors.emplace_back(*value);
        return true;
      }
      if (same(name, "date_range")) {
        if (auto ok = once(seen, 1, child, "<report_metadata><date_range>"); !ok) return ok;
        return known(date_range(child, h));
      }
      return false;
    };
    if (auto r = read(node, std::span(kMetadataFields), h, other); !r) return r;
    if ((seen & 1) == 0) return fail(Errc::syntax, node, "<report_metadata><date_range>", " is missing");
    return {};
  }

  Result<void> date_range(const pugi::xml_node& node, Header& h) {
    std::uint32_t seen = 0;
    auto other = [&](const pugi::xml_node& child, std::string_view name) -> Result<bool> {
      bool begin = same(name, "begin");
      if (!begin && !same(name, "end")) return false;
      const char* path = begin ? "<report_metadata><date_range><begin>" : "<report_metadata><date_range><end>";
      if (auto ok = once(seen, begin ? 1 : 2, child, path); !ok) return ok;
      auto t = time(child, path);
      if (!t) return tl::unexpected(std::move(t.error()));
      (begin ? h.begin : h.end) = *t;
      return true;
    };
    if (auto r = read(node, kNoFields<Header>, h, other); !r) return r;
    if ((seen & 1) == 0) return fail(Errc::syntax, node, "<report_metadata><date_range><begin>", " is missing");
    if ((seen & 2) == 0) return fail(Errc::syntax, node, "<report_metadata><date_range><end>", " is missing");
    if (h.begin > h.end) {
      return fail(Errc::syntax, node, "<report_metadata><date_range>",
                  "begin " + std::to_string(h.begin) + " is after end " + std::to_string(h.end));
    }
    return {};
  }

  Result<void> policy(const pugi::xml_node& node, Header& h) {
    std::uint32_t seen = 0;
    auto other = [&](const pugi::xml_node& child, std::string_view name) -> Result<bool> {
      if (!same(name, "pct")) return false;
      // RFC 7489 6.3 pct: "an integer between 0 and 100".
      constexpr const char* path = "<policy_published><pct>";
      if (auto ok = once(seen, 1, child, path); !ok) return ok;
      auto value = text(child, path);
      if (!value) return tl::unexpected(std::move(value.error()));
      std::uint64_t n = 0;
      bool too_large = false;
      if (!parse_digits(*value, n, too_large) || n > 100)
        return fail(Errc::syntax, child, path, quoted(*value) + " is not a percentage from 0 to 100");
      h.pct = static_cast<int>(n);
      return true;
    };
    return read(node, std::span(kPolicyFields), h, other);
  }

  Result<void> row(const pugi::xml_node& node, Record& r, std::size_t& reasons) {
    std::uint32_t seen = 0;
    enum : std::uint32_t { kIp = 1, kCount = 2, kEvaluated = 4 };
    auto other = [&](const pugi::xml_node& child, std::string_view name) -> Result<bool> {
      if (same(name, "source_ip")) {
        constexpr const char* path = "<row><source_ip>";
        if (auto ok = once(seen, kIp, child, path); !ok) return ok;
        auto value = text(child, path);
        if (!value) return tl::unexpected(std::move(value.error()));
        // RFC 7489 C "IPAddress": an IPv4 or IPv6 address.
        auto ip = dns::IpAddress::parse(*value);
        if (!ip) return fail(Errc::syntax, child, path, quoted(*value) + " is not an IP address");
        r.source_ip = *value;
        // One address, one text, so that the sources of several receivers add up: an IPv6
        // address in RFC 5952's form ("2001:DB8:0::1" is 2001:db8::1), and an IPv4-mapped one
        // as IPv4. A dotted quad is already the only spelling IpAddress::parse accepts.
        if (value->find(':') != std::string_view::npos) {
          std::string canonical = ip->unmapped().to_string();
          if (canonical != *value) r.source_ip = joined_.emplace_back(std::move(canonical));
        }
        return true;
      }
      if (same(name, "count")) {
        constexpr const char* path = "<row><count>";
        if (auto ok = once(seen, kCount, child, path); !ok) return ok;
        auto n = number(child, path);
        if (!n) return tl::unexpected(std::move(n.error()));
        r.count = *n;
        return true;
      }
      if (same(name, "policy_evaluated")) {
        if (auto ok = once(seen, kEvaluated, child, "<row><policy_evaluated>"); !ok) return ok;
        return known(evaluated(child, r, reasons));
      }
      return false;
    };
    if (auto done = read(node, kNoFields<Record>, r, other); !done) return done;
    if ((seen & kIp) == 0) return fail(Errc::syntax, node, "<row><source_ip>", " is missing");
    if ((seen & kCount) == 0) return fail(Errc::syntax, node, "<row><count>", " is missing");
    if ((seen & kEvaluated) == 0) return fail(Errc::syntax, node, "<row><policy_evaluated>", " is missing");
    return {};
  }

  Result<void> evaluated(const pugi::xml_node& node, Record& r, std::size_t& reasons) {
    auto other = [&](const pugi::xml_node& child, std::string_view name) -> Result<bool> {
      if (!same(name, "reason")) return false;  // RFC 7489 C: maxOccurs="unbounded"
      PolicyOverride& reason = next_item(r.reasons, reasons);
      clear_fields(std::span(kReasonFields), reason);
      return known(read(child, std::span(kReasonFields), reason, unknown));
    };
    return read(node, std::span(kEvaluatedFields), r, other);
  }

  // Every <dkim> and <spf> in document order (RFC 7489 C: dkim unbounded; a receiver may send
  // more than one spf too).
  Result<void> auth_results(const pugi::xml_node& node, Record& r, std::size_t& dkims, std::size_t& spfs) {
    auto other = [&](const pugi::xml_node& child, std::string_view name) -> Result<bool> {
      if (same(name, "dkim")) {
        DkimResult& d = next_item(r.dkim_results, dkims);
        clear_fields(std::span(kDkimFields), d);
        return known(read(child, std::span(kDkimFields), d, unknown));
      }
      if (same(name, "spf")) {
        SpfResult& s = next_item(r.spf_results, spfs);
        clear_fields(std::span(kSpfFields), s);
        return known(read(child, std::span(kSpfFields), s, unknown));
      }
      return false;
    };
    return read(node, kNoFields<Record>, r, other);
  }

  const ParseLimits& limits_;
  std::string& scratch_;
  std::deque<std::string>& joined_;
  std::size_t record_ = 0;  // 0 while reading the header
  std::size_t depth_ = 1;   // of the element being read
};

// XML 1.0 2.2 (Legal Character): U+0000 is not a character, yet pugixml decodes "&#0;" into a
// NUL byte, which would end the text there without a word. The offset of the first such
// reference, or npos. (The scan reads the bytes as sent: UTF-16 or UTF-32 documents are not
// looked at.)
std::size_t nul_reference(std::string_view xml) {
  for (std::size_t at = xml.find("&#"); at != std::string_view::npos; at = xml.find("&#", at + 2)) {
    std::size_t i = at + 2;
    if (i < xml.size() && xml[i] == 'x') ++i;
    std::size_t zeros = i;
    while (i < xml.size() && xml[i] == '0') ++i;
    if (i > zeros && i < xml.size() && xml[i] == ';') return at;
  }
  return std::string_view::npos;
}

// The root element's namespace (a default xmlns, or xmlns:<prefix> for a prefixed root).
Result<Schema> schema_of(const pugi::xml_node& root) {
  std::string_view name = root.name();
  std::size_t colon = name.find(':');
  std::string attribute = colon == std::string_view::npos ? "xmlns" : "xmlns:" + std::string(name.substr(0, colon));
  std::string_view ns = trim(root.attribute(attribute.c_str()).value());
  if (ns.empty() || ns == kNamespace01) return Schema::rfc7489;
  if (ns == kNamespace02) return Schema::dmarc_org_0_2;
  if (ns == kNamespaceBis) return Schema::dmarcbis;
  return make_error(Errc::unsupported, "<feedback> in the unknown namespace " + quoted(ns), offset_of(root));
}

}  // namespace

struct Parser::Impl {
  pugi::xml_document doc;  // reused: its first memory page and its setup are not redone per call
  Header header;
  Record record;           // reused: its strings keep their capacity from record to record
  std::string scratch;     // Reader::text's joined pieces
  // Texts that arrived in pieces, joined: the views of the model point here (report.h), until
  // the next parse. A deque, so that adding one moves none of the others.
  std::deque<std::string> joined;

  // The parsed tree, checked and handed to the visitor.
  Result<ParseStats> walk(const ParseLimits& limits, const pugi::xml_parse_result& parsed, Visitor& visitor);
};

Parser::Parser(ParseLimits limits) : limits_(limits), impl_(std::make_unique<Impl>()) {}
Parser::~Parser() = default;

Result<ParseStats> Parser::parse(std::string& xml, Visitor& visitor) {
  Impl& im = *impl_;
  // The previous document's tree and texts go now, not when its parse returned: its views
  // (report.h) were valid until this call.
  im.doc.reset();
  im.joined.clear();
  if (xml.size() > limits_.max_document_bytes) {
    return make_error(Errc::limit, "document of " + std::to_string(xml.size()) +
                                       " bytes is larger than max_document_bytes (" +
                                       std::to_string(limits_.max_document_bytes) + ")");
  }
  if (std::size_t at = nul_reference(xml); at != std::string_view::npos)
    return make_error(Errc::syntax, "a character reference to U+0000, which XML 1.0 2.2 does not allow", at);
  pugi::xml_parse_result parsed = im.doc.load_buffer_inplace(xml.data(), xml.size(), kParseOptions);
  auto stats = im.walk(limits_, parsed, visitor);
  // A document pugixml converted to UTF-8 first (UTF-16, UTF-32, ISO-8859-1) was parsed in a
  // buffer of its own: an offset there is not one into `xml`.
  if (!stats && parsed.encoding != pugi::encoding_utf8) stats.error().offset = Error::no_offset;
  return stats;
}

Result<ParseStats> Parser::Impl::walk(const ParseLimits& limits, const pugi::xml_parse_result& parsed,
                                      Visitor& visitor) {
  if (!parsed) {
    std::size_t at = parsed.offset < 0 ? Error::no_offset : static_cast<std::size_t>(parsed.offset);
    return make_error(Errc::syntax, std::string("not well-formed XML: ") + parsed.description(), at);
  }
  pugi::xml_node root;
  for (pugi::xml_node node = doc.first_child(); node; node = node.next_sibling()) {
    if (node.type() == pugi::node_doctype)
      return make_error(Errc::unsupported, "<!DOCTYPE>: DTDs are not processed", offset_of(node));
    if (node.type() != pugi::node_element) continue;
    if (root) return make_error(Errc::syntax, "a second root element", offset_of(node));
    root = node;
  }
  if (!root) return make_error(Errc::syntax, "no root element", 0);
  if (limits.max_depth < 1) return depth_error(root, limits.max_depth);
  if (local_name(root.name()) != "feedback") {
    return make_error(Errc::unsupported, "the root element " + quoted(root.name()) + " is not <feedback>", offset_of(root));
  }
  auto schema = schema_of(root);
  if (!schema) return tl::unexpected(std::move(schema.error()));

  Reader reader(limits, scratch, joined);
  header = Header{};
  header.schema = *schema;
  reader.at_depth(1);
  if (auto r = reader.header(root, header); !r) return tl::unexpected(std::move(r.error()));
  ParseStats stats;
  if (!visitor.header(header)) {
    stats.stopped = true;
    return stats;
  }
  std::size_t number = 0;
  for (pugi::xml_node child = root.first_child(); child; child = child.next_sibling()) {
    if (!same(local_name(child.name()), "record")) continue;
    reader.at_record(++number);
    if (number > limits.max_records) {
      return reader.fail(Errc::limit, child, "<record>",
                         "more than max_records (" + std::to_string(limits.max_records) + ")");
    }
    reader.at_depth(2);  // the record's (its depth was checked with the header's siblings)
    if (auto r = reader.record(child, record); !r) return tl::unexpected(std::move(r.error()));
    ++stats.records;
    if (!visitor.record(record)) {
      stats.stopped = true;
      break;
    }
  }
  return stats;
}

namespace {

class Collector : public Visitor {
 public:
  explicit Collector(Report& report) : report_(report) {}
  bool header(const Header& header) override {
    report_.header = header;
    return true;
  }
  bool record(const Record& record) override {
    report_.records.push_back(record);
    return true;
  }

 private:
  Report& report_;
};

}  // namespace

Result<Report> parse_report(std::string xml, ParseLimits limits) {
  // The report's views point into the document and the parser's joined texts: both go with it.
  struct Kept {
    Kept(std::string document, ParseLimits l) : xml(std::move(document)), parser(l) {}
    std::string xml;
    Parser parser;
  };
  auto kept = std::make_shared<Kept>(std::move(xml), limits);
  Report report;
  Collector collector(report);
  auto stats = kept->parser.parse(kept->xml, collector);
  if (!stats) return tl::unexpected(std::move(stats.error()));
  report.storage = std::move(kept);
  return report;
}

}  // namespace dnsauth::dmarc_report
