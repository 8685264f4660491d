#include "core/tls_rpt/record.h"

#include "core/common/uri.h"

namespace dnsauth::tls_rpt {

namespace {

constexpr std::string_view kVersion = "v=TLSRPTv1";

// RFC 8460 3 tlsrpt-rua = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri).
Result<std::vector<ReportUri>> parse_rua(std::string_view value, std::size_t base) {
  std::vector<ReportUri> out;
  for (const field_list::Item& item : field_list::split_list(value, base)) {
    if (item.text.empty()) return make_error(Errc::syntax, "rua=: an empty URI", item.offset);
    auto uri = parse_uri(item.text);
    if (!uri) return make_error(Errc::syntax, "rua=: " + uri.error().detail, item.offset + uri.error().offset);
    uri->offset = item.offset;
    out.push_back(std::move(*uri));
  }
  return out;
}

}  // namespace

Result<ReportUri> parse_uri(std::string_view text) {
  auto uri = uri::parse(text, ",!;");
  if (!uri) return tl::unexpected(uri.error());
  return ReportUri{std::string(text), uri->scheme, 0};
}

bool is_tlsrpt_record(std::string_view txt) noexcept { return field_list::begins_with_version(txt, kVersion); }

Result<Record> parse_record(std::string_view txt) {
  // RFC 8460 3 tlsrpt-version = %s"v=TLSRPTv1", the first bytes of the record.
  auto fields = field_list::split_record(txt, kVersion);
  if (!fields) return tl::unexpected(fields.error());
  Record rec;
  bool have_rua = false;
  for (field_list::Field& f : *fields) {
    if (f.name == "rua") {
      if (have_rua) {  // the grammar allows it; as RFC 8461 3.2 does for its fields, the first one counts
        rec.ignored.push_back(std::move(f));
        continue;
      }
      auto rua = parse_rua(f.value, f.value_offset);
      if (!rua) return tl::unexpected(rua.error());
      rec.rua = std::move(*rua);
      rec.rua_offset = f.offset;
      have_rua = true;
      continue;
    }
    if (auto ok = field_list::check_extension_value(f); !ok) return tl::unexpected(ok.error());
    rec.extensions.push_back(std::move(f));
  }
  if (!have_rua) return make_error(Errc::syntax, "rua= is missing (RFC 8460 3: required)", txt.size());
  return rec;
}

}  // namespace dnsauth::tls_rpt
