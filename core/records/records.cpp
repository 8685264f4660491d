#include "core/records/records.h"

#include "core/common/base64.h"
#include "core/dkim/crypto.h"
#include "core/dkim/key_record.h"

namespace dnsauth::records {

namespace {

// Writes every byte for which `escape` holds as <mark>XX (uppercase hex), the rest as is.
template <class Pred>
std::string hex_escape(std::string_view text, char mark, Pred escape) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (!escape(c, u)) {
      out += c;
      continue;
    }
    out += mark;
    out += kHex[u >> 4];
    out += kHex[u & 15];
  }
  return out;
}

// RFC 7489 6.3 / RFC 9989 4.7: "," separates URIs and ";" tags, so both are percent-encoded
// inside a URI, as is whitespace (a URI has none).
std::string encode_dmarc_uri(std::string_view uri) {
  return hex_escape(uri, '%', [](char c, unsigned char u) { return c == ',' || c == ';' || u <= 0x20 || u >= 0x7f; });
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

std::string key_comment(const config::Selector& s, bool have_key) {
  std::string c = "DKIM key for selector " + s.name + " (" +
                  std::string(to_string(dkim::key_type_of(s.algorithm)));
  if (s.algorithm == dkim::Algorithm::rsa_sha256) c += " " + std::to_string(s.bits);
  c += ")";
  if (!have_key) c += ", revoked: no key";
  return c;
}

}  // namespace

std::string_view to_string(Kind kind) noexcept {
  switch (kind) {
    case Kind::dkim: return "dkim";
    case Kind::spf: return "spf";
    case Kind::dmarc: return "dmarc";
    case Kind::report_authorization: return "report-authorization";
    case Kind::mta_sts: return "mta-sts";
    case Kind::tls_rpt: return "tls-rpt";
    case Kind::bimi: return "bimi";
  }
  return "?";
}

std::string encode_qp_section(std::string_view text) {
  return hex_escape(text, '=', [](char c, unsigned char u) { return u <= 0x20 || u >= 0x7f || c == '=' || c == ';'; });
}

std::string dkim_key_record(const DkimKeySpec& spec) {
  std::string r = "v=DKIM1; k=";
  r += to_string(spec.key_type);
  if (!spec.hashes.empty()) r += "; h=" + join(spec.hashes, ":");
  if (!spec.services.empty()) r += "; s=" + join(spec.services, ":");
  if (spec.testing) r += "; t=y";
  if (!spec.notes.empty()) r += "; n=" + encode_qp_section(spec.notes);
  r += "; p=" + encode_base64(spec.public_key);
  return r;
}

std::string spf_record(const config::Spf& spf, bool helo) {
  std::string r = "v=spf1";
  for (const auto& ip : spf.ip4) r += " ip4:" + ip;
  for (const auto& ip : spf.ip6) r += " ip6:" + ip;
  if (!helo)
    for (const auto& inc : spf.include) r += " include:" + inc;
  r += " " + spf.all + "all";
  return r;
}

std::string dmarc_record(const config::Dmarc& d) {
  std::string r = "v=DMARC1; p=" + d.p;
  if (d.sp) r += "; sp=" + *d.sp;
  if (d.np) r += "; np=" + *d.np;
  if (d.adkim == "s") r += "; adkim=s";
  if (d.aspf == "s") r += "; aspf=s";
  if (d.pct) r += "; pct=" + std::to_string(*d.pct);
  if (d.fo) r += "; fo=" + *d.fo;
  if (d.testing) r += std::string("; t=") + (*d.testing ? "y" : "n");
  if (d.psd) r += std::string("; psd=") + (*d.psd ? "y" : "n");
  auto uris = [](const std::vector<std::string>& list) {
    std::vector<std::string> enc;
    for (const auto& u : list) enc.push_back(encode_dmarc_uri(u));
    return join(enc, ",");
  };
  if (!d.rua.empty()) r += "; rua=" + uris(d.rua);
  if (!d.ruf.empty()) r += "; ruf=" + uris(d.ruf);
  return r;
}

std::string mta_sts_policy(const config::MtaSts& m) {
  std::string p = "version: STSv1\r\nmode: " + m.mode + "\r\n";
  for (const auto& mx : m.mx) p += "mx: " + mx + "\r\n";
  p += "max_age: " + std::to_string(m.max_age) + "\r\n";
  return p;
}

std::string mta_sts_id(std::string_view policy_text) {
  static constexpr char kHex[] = "0123456789abcdef";
  dkim::Sha256 h;
  h.update(policy_text);
  const std::string digest = h.finish();
  std::string id;
  for (std::size_t i = 0; i < 10; ++i) {
    auto u = static_cast<unsigned char>(digest[i]);
    id += kHex[u >> 4];
    id += kHex[u & 15];
  }
  return id;
}

std::string mta_sts_record(const config::MtaSts& m) { return "v=STSv1; id=" + mta_sts_id(mta_sts_policy(m)); }

std::string tls_rpt_record(const config::TlsRpt& t) { return "v=TLSRPTv1; rua=" + join(t.rua, ","); }

std::string bimi_record(const config::Bimi& b) {
  std::string r = "v=BIMI1; l=" + b.logo;
  if (!b.evidence.empty()) r += "; a=" + b.evidence;
  return r;
}

std::string mta_sts_policy_host(std::string_view domain) { return "mta-sts." + std::string(domain); }
std::string mta_sts_owner(std::string_view domain) { return "_mta-sts." + std::string(domain); }
std::string tls_rpt_owner(std::string_view domain) { return "_smtp._tls." + std::string(domain); }
std::string bimi_owner(std::string_view selector, std::string_view domain) {
  return std::string(selector) + "._bimi." + std::string(domain);
}

std::string dmarc_owner(std::string_view domain) { return "_dmarc." + std::string(domain); }
std::string report_authorization_owner(std::string_view reported_domain, std::string_view receiver) {
  return std::string(reported_domain) + "._report._dmarc." + std::string(receiver);
}

std::vector<TxtRecord> domain_records(const config::Domain& domain,
                                      const std::map<std::string, std::string>& public_keys) {
  std::vector<TxtRecord> out;
  for (const auto& s : domain.selectors) {
    auto key = public_keys.find(s.name);
    bool have = key != public_keys.end() && !key->second.empty();
    DkimKeySpec spec{dkim::key_type_of(s.algorithm), have ? key->second : std::string(), s.hashes,
                     s.testing, s.notes, s.services};
    out.push_back({dkim::key_record_name(s.name, domain.name), domain.ttl, dkim_key_record(spec), Kind::dkim,
                   key_comment(s, have)});
  }
  if (domain.spf) {
    out.push_back({domain.name, domain.ttl, spf_record(*domain.spf), Kind::spf,
                   "SPF for mail from @" + domain.name});
    for (const auto& h : domain.spf->helo)
      out.push_back({h, domain.ttl, spf_record(*domain.spf, true), Kind::spf,
                     "SPF for the HELO name " + h});
  }
  if (domain.dmarc) {
    out.push_back({dmarc_owner(domain.name), domain.ttl, dmarc_record(*domain.dmarc), Kind::dmarc,
                   "DMARC policy of " + domain.name});
    for (const auto& other : domain.dmarc->accept_reports_for)
      out.push_back({report_authorization_owner(other, domain.name), domain.ttl,
                     std::string(kReportAuthorizationRecord), Kind::report_authorization,
                     domain.name + " accepts DMARC reports about " + other});
  }
  if (domain.mta_sts)
    out.push_back({mta_sts_owner(domain.name), domain.ttl, mta_sts_record(*domain.mta_sts), Kind::mta_sts,
                   "MTA-STS: the policy (mode " + domain.mta_sts->mode + ") at https://" + mta_sts_policy_host(domain.name) +
                       std::string(kMtaStsPolicyPath)});
  if (domain.tls_rpt)
    out.push_back({tls_rpt_owner(domain.name), domain.ttl, tls_rpt_record(*domain.tls_rpt), Kind::tls_rpt,
                   "SMTP TLS reports about mail to " + domain.name});
  if (domain.bimi)
    out.push_back({bimi_owner(domain.bimi->selector, domain.name), domain.ttl, bimi_record(*domain.bimi), Kind::bimi,
                   "BIMI logo of " + domain.name + " (selector " + domain.bimi->selector + ")"});
  return out;
}

std::vector<std::string> split_character_strings(std::string_view text, std::size_t max) {
  std::vector<std::string> out;
  if (max == 0) max = 255;
  do {
    out.emplace_back(text.substr(0, max));
    text.remove_prefix(std::min(max, text.size()));
  } while (!text.empty());
  return out;
}

}  // namespace dnsauth::records
