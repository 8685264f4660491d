// Writing a domain's records to DIR in the format asked for: an RFC 1035 zone fragment
// (<domain>.zone), a JSON document (<domain>.json) or an nsupdate script (<domain>.nsupdate).
// Records whose owner is outside the domain (a HELO name in another zone) cannot go into the
// domain's zone; in the zone format they are written to <domain>.external.zone.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/error.h"
#include "core/records/records.h"

namespace dnsauth::publisher {

enum class Format { zone, json, nsupdate };
std::optional<Format> parse_format(std::string_view text);

struct Written {
  std::vector<std::filesystem::path> files;
  std::size_t records = 0;
  std::size_t external = 0;  // records outside the domain
};

// header: the lines that open the zone fragment as comments (who wrote it, from what).
Result<Written> write_records(const std::filesystem::path& out_dir, std::string_view domain,
                              const std::vector<records::TxtRecord>& records, Format format,
                              std::string_view header);

// RFC 8461 3.2/3.3: the domain's MTA-STS policy file, at
// <out_dir>/mta-sts.<domain>/.well-known/mta-sts.txt: the document root of the policy host's
// web server as it is, so a copy (rsync, a config-management file resource) publishes it.
Result<std::filesystem::path> write_mta_sts_policy(const std::filesystem::path& out_dir, std::string_view domain,
                                                   const config::MtaSts& mta_sts);

// The JSON form of one domain's records (what <domain>.json holds).
nlohmann::ordered_json records_json(std::string_view domain, const std::vector<records::TxtRecord>& records);

}  // namespace dnsauth::publisher
