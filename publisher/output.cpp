#include "publisher/output.h"

#include "core/dns/name.h"
#include "core/records/zone_format.h"
#include "publisher/keys.h"

namespace dnsauth::publisher {

namespace fs = std::filesystem;

std::optional<Format> parse_format(std::string_view text) {
  if (text == "zone") return Format::zone;
  if (text == "json") return Format::json;
  if (text == "nsupdate") return Format::nsupdate;
  return std::nullopt;
}

nlohmann::ordered_json records_json(std::string_view domain, const std::vector<records::TxtRecord>& records) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& r : records) {
    auto line = records::to_master_line(r);
    list.push_back({{"name", r.owner + "."},
                    {"type", "TXT"},
                    {"class", "IN"},
                    {"ttl", r.ttl},
                    {"kind", records::to_string(r.kind)},
                    {"text", r.text},
                    {"strings", records::split_character_strings(r.text)},
                    {"in_zone", dns::is_at_or_below(r.owner, domain)},
                    {"zone_line", line ? *line : std::string()},
                    {"comment", r.comment}});
  }
  return {{"domain", domain}, {"records", list}};
}

Result<fs::path> write_mta_sts_policy(const fs::path& out_dir, std::string_view domain, const config::MtaSts& mta_sts) {
  const fs::path file = out_dir / records::mta_sts_policy_host(domain) / ".well-known" / "mta-sts.txt";
  if (auto ok = write_file_atomic(file, records::mta_sts_policy(mta_sts)); !ok) return tl::unexpected(ok.error());
  return file;
}

Result<Written> write_records(const fs::path& out_dir, std::string_view domain,
                              const std::vector<records::TxtRecord>& records, Format format,
                              std::string_view header) {
  std::vector<records::TxtRecord> inside, outside;
  for (const auto& r : records) (dns::is_at_or_below(r.owner, domain) ? inside : outside).push_back(r);
  Written w;
  w.records = records.size();
  w.external = outside.size();
  const std::string base(domain);
  auto emit = [&](const fs::path& file, const Result<std::string>& text) -> Result<void> {
    if (!text) return tl::unexpected(text.error());
    if (auto ok = write_file_atomic(file, *text); !ok) return ok;
    w.files.push_back(file);
    return {};
  };
  Result<void> ok;
  switch (format) {
    case Format::zone:
      ok = emit(out_dir / (base + ".zone"), records::to_zone_fragment(inside, header));
      if (ok && !outside.empty())
        ok = emit(out_dir / (base + ".external.zone"),
                  records::to_zone_fragment(outside, std::string(header) + "\nThese names are outside " + base +
                                                         ": publish each record in the zone that holds it."));
      break;
    case Format::json:
      ok = emit(out_dir / (base + ".json"), records_json(domain, records).dump(2) + "\n");
      break;
    case Format::nsupdate: {
      auto main = records::to_nsupdate(inside, domain);
      // nsupdate finds the zone of the outside names itself (no "zone" line: SOA discovery).
      if (main && !outside.empty()) {
        auto more = records::to_nsupdate(outside, "");
        if (!more) main = more;
        else *main += *more;
      }
      ok = emit(out_dir / (base + ".nsupdate"), main);
      break;
    }
  }
  if (!ok) return tl::unexpected(ok.error());
  return w;
}

}  // namespace dnsauth::publisher
