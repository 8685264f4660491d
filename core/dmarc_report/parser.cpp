// Placeholder until the pugixml reader lands (same session): refuses every document.
#include "core/dmarc_report/parser.h"

namespace dnsauth::dmarc_report {

std::string_view to_string(Schema schema) noexcept {
  switch (schema) {
    case Schema::rfc7489: return "rfc7489";
    case Schema::dmarc_org_0_2: return "dmarc.org-0.2";
    case Schema::dmarcbis: return "dmarcbis";
  }
  return "rfc7489";
}

struct Parser::Impl {};
Parser::Parser(ParseLimits limits) : limits_(limits), impl_(std::make_unique<Impl>()) {}
Parser::~Parser() = default;
Result<ParseStats> Parser::parse(std::string&, Visitor&) { return make_error(Errc::unsupported, "not yet"); }
Result<Report> parse_report(std::string, ParseLimits) { return make_error(Errc::unsupported, "not yet"); }

}  // namespace dnsauth::dmarc_report
