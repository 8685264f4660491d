// The TLS-RPT half of the linter: the reporting policy record at _smtp._tls.<domain>
// (RFC 8460 3) as core/tls_rpt parses it.
#include "core/records/lint_detail.h"
#include "core/tls_rpt/record.h"

namespace dnsauth::records::detail {

void lint_tls_rpt_text(Context& ctx, const std::string& name, const std::string& text) {
  auto rec = tls_rpt::parse_record(text);
  if (!rec) {
    ctx.add("tls-rpt-syntax", name, text, rec.error().message(), rec.error().offset);
    return;
  }
  for (const auto& uri : rec->rua)
    if (!uri.supported())
      ctx.add("tls-rpt-uri-scheme", name, text,
              "rua " + uri.text + ": the scheme " + uri.scheme + ": is not mailto: or https: (RFC 8460 3)", uri.offset);
}

void lint_tls_rpt(Context& ctx, std::string_view domain_in) {
  const std::string domain(domain_in);
  const std::string name = "_smtp._tls." + domain;
  auto found = lint_versioned_txt(ctx, name, tls_rpt::is_tlsrpt_record, "TLSRPTv1", "tls-rpt-multiple-records",
                                  "TLS-RPT", [&](const std::string& text) { lint_tls_rpt_text(ctx, name, text); });
  if (found && !*found && ctx.options().expect_tls_rpt)
    ctx.add("tls-rpt-missing", name, "",
            "no v=TLSRPTv1 record at " + name + ": the configuration gives " + domain +
                " TLS reporting, but senders send no reports");
}

}  // namespace dnsauth::records::detail
