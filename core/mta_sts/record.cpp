#include "core/mta_sts/record.h"

#include "core/common/ascii.h"

namespace dnsauth::mta_sts {

namespace {

constexpr std::string_view kVersion = "v=STSv1";

}  // namespace

bool is_sts_record(std::string_view txt) noexcept { return field_list::begins_with_version(txt, kVersion); }

Result<Record> parse_record(std::string_view txt, Part* part) {
  if (part) *part = Part::syntax;
  // RFC 8461 3.1 sts-version = %s"v=STSv1", the first bytes of the record.
  auto fields = field_list::split_record(txt, kVersion);
  if (!fields) return tl::unexpected(fields.error());
  Record rec;
  bool have_id = false;
  for (field_list::Field& f : *fields) {
    if (f.name == "id") {
      if (have_id) {
        rec.ignored.push_back(std::move(f));
        continue;
      }
      // RFC 8461 3.1 sts-id = %s"id=" 1*32(ALPHA / DIGIT).
      if (part) *part = Part::id;
      if (f.value.empty()) return make_error(Errc::syntax, "id= is empty (1 to 32 letters and digits)", f.value_offset);
      for (std::size_t i = 0; i < f.value.size(); ++i)
        if (!ascii::is_alpha(f.value[i]) && !ascii::is_digit(f.value[i]))
          return make_error(Errc::syntax, "id= holds only letters and digits", f.value_offset + i);
      if (f.value.size() > 32)
        return make_error(Errc::syntax, "id= is " + std::to_string(f.value.size()) + " characters (at most 32)",
                          f.value_offset + 32);
      if (part) *part = Part::syntax;
      rec.id = f.value;
      rec.id_offset = f.offset;
      have_id = true;
      continue;
    }
    if (auto ok = field_list::check_extension_value(f); !ok) return tl::unexpected(ok.error());
    if (f.name == "v") {  // a second version field: ignored as a repeated field
      rec.ignored.push_back(std::move(f));
      continue;
    }
    rec.extensions.push_back(std::move(f));
  }
  if (!have_id) {
    if (part) *part = Part::id;
    return make_error(Errc::syntax, "id= is missing (RFC 8461 3.1: required)", txt.size());
  }
  return rec;
}

}  // namespace dnsauth::mta_sts
