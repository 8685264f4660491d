#include "core/authres/results.h"

namespace dnsauth::authres {

ResInfo dkim_resinfo(const dkim::SignatureResult& s) {
  ResInfo r;
  r.method = "dkim";
  r.result = std::string(dkim::to_string(s.status));
  if (s.key_bits > 0) r.comment = std::to_string(s.key_bits) + "-bit key";
  if (s.testing) r.comment += std::string(r.comment.empty() ? "" : "; ") + "key in test mode";
  if (s.status != dkim::Status::pass && s.cause != dkim::Cause::none) r.reason = s.reason();
  if (!s.domain.empty()) r.properties.push_back({"header", "d", s.domain});
  if (!s.identity.empty()) r.properties.push_back({"header", "i", s.identity});
  if (!s.selector.empty()) r.properties.push_back({"header", "s", s.selector});
  if (!s.algorithm.empty()) r.properties.push_back({"header", "a", s.algorithm});
  // RFC 6008 2: enough of b= to tell signatures apart.
  if (!s.b_prefix.empty()) r.properties.push_back({"header", "b", s.b_prefix});
  return r;
}

ResInfo dmarc_resinfo(const dmarc::DomainResult& d) {
  ResInfo r;
  r.method = "dmarc";
  r.result = std::string(dmarc::to_string(d.status));
  if (d.requested) {
    r.comment = (d.policy_tag.empty() ? std::string("p") : d.policy_tag) + "=" +
                std::string(dmarc::to_string(*d.requested)) + " dis=" +
                std::string(dmarc::to_string(d.applied));
    if (d.testing) r.comment += " t=y";
    if (d.sampled) r.comment += *d.sampled ? " sampled" : " not-sampled";
  }
  if (d.status == dmarc::Status::temperror || d.status == dmarc::Status::permerror)
    r.reason = d.reason();
  if (!d.author_domain.empty()) r.properties.push_back({"header", "from", d.author_domain});
  if (d.status == dmarc::Status::fail)
    r.properties.push_back({"policy", "dmarc", std::string(dmarc::to_string(d.applied))});
  return r;
}

std::vector<ResInfo> dmarc_resinfos(const dmarc::Evaluation& e) {
  std::vector<ResInfo> out;
  for (const auto& d : e.domains) out.push_back(dmarc_resinfo(d));
  if (out.empty()) {
    ResInfo r;
    r.method = "dmarc";
    r.result = std::string(dmarc::to_string(e.status));
    if (std::string reason = e.reason(); !reason.empty()) r.reason = std::move(reason);
    out.push_back(std::move(r));
  }
  return out;
}

ResInfo spf_resinfo(const spf::Verdict& v, const spf::Session& session) {
  ResInfo r;
  r.method = "spf";
  r.result = std::string(spf::to_string(v.result));
  if (v.cause != spf::Cause::none) r.reason = v.problem();
  // RFC 7208 2.4: with a null reverse-path the mailfrom identity is postmaster@<HELO>, so what
  // was authenticated is the HELO name.
  if (v.identity == spf::Identity::helo || spf::is_null_reverse_path(session.mail_from))
    r.properties.push_back({"smtp", "helo", spf::to_a_labels(session.helo)});
  else
    r.properties.push_back({"smtp", "mailfrom", v.domain});
  return r;
}

}  // namespace dnsauth::authres
