#include "core/records/zone_plan.h"

#include <algorithm>

#include "core/common/ascii.h"

namespace dnsauth::records {

namespace {

// "v=spf1" or "v=DMARC1" followed by the end or by what may follow the version: a space for
// SPF (RFC 7208 4.5), ';' or whitespace for DMARC (RFC 7489 6.4).
bool starts_with_version(std::string_view text, std::string_view version, std::string_view next) {
  if (text.size() < version.size() || !ascii::iequals(text.substr(0, version.size()), version)) return false;
  return text.size() == version.size() || next.find(text[version.size()]) != std::string_view::npos;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += p;
  return out;
}

}  // namespace

bool owns(Kind kind, std::string_view text) {
  switch (kind) {
    case Kind::dkim: return true;
    case Kind::spf: return starts_with_version(text, "v=spf1", " ");
    case Kind::dmarc:
    case Kind::report_authorization: return starts_with_version(text, "v=DMARC1", "; \t");
    // RFC 8461 3.1, RFC 8460 3 and BIMI: the version tag first, then ';' or whitespace.
    case Kind::mta_sts: return starts_with_version(text, "v=STSv1", "; \t");
    case Kind::tls_rpt: return starts_with_version(text, "v=TLSRPTv1", "; \t");
    case Kind::bimi: return starts_with_version(text, "v=BIMI1", "; \t");
  }
  return false;
}

std::string_view to_string(ChangeKind kind) noexcept {
  switch (kind) {
    case ChangeKind::add: return "add";
    case ChangeKind::remove: return "remove";
    case ChangeKind::replace: return "replace";
  }
  return "?";
}

bool in_zone(std::string_view owner, std::string_view zone) {
  if (zone.empty()) return true;
  if (owner.size() == zone.size()) return ascii::iequals(owner, zone);
  return owner.size() > zone.size() && owner[owner.size() - zone.size() - 1] == '.' &&
         ascii::iequals(owner.substr(owner.size() - zone.size()), zone);
}

std::vector<Wanted> wanted_by_owner(const std::vector<TxtRecord>& records, const std::vector<std::string>& absent) {
  std::vector<Wanted> out;
  auto find = [&](std::string_view owner) -> Wanted* {
    for (auto& w : out)
      if (ascii::iequals(w.owner, owner)) return &w;
    return nullptr;
  };
  for (const auto& r : records) {
    Wanted* w = find(r.owner);
    if (!w) {
      out.push_back(Wanted{r.owner, r.kind, r.ttl, {}});
      w = &out.back();
    }
    w->texts.push_back(r.text);
  }
  for (const auto& owner : absent)
    if (!find(owner)) out.push_back(Wanted{owner, Kind::dkim, 0, {}});
  return out;
}

Result<ZonePlan> plan_zone(std::string_view zone, const std::vector<Wanted>& wanted, const ServedLookup& lookup) {
  ZonePlan plan;
  plan.zone = std::string(zone);
  plan.update.zone = plan.zone;
  for (const auto& w : wanted) {
    if (!in_zone(w.owner, zone)) {
      plan.outside.push_back(w.owner);
      continue;
    }
    auto served = lookup(w.owner);
    if (!served) return tl::unexpected(served.error());
    std::vector<std::string> ours;
    std::vector<const std::vector<std::string>*> ours_parts;
    for (const auto& rec : served->records) {
      std::string text = joined(rec);
      if (!owns(w.kind, text)) continue;
      ours.push_back(std::move(text));
      ours_parts.push_back(&rec);
    }
    std::vector<std::string> a = ours, b = w.texts;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    const bool same = a == b && (b.empty() || served->ttl == w.ttl);
    if (same) continue;
    Change c;
    c.kind = ours.empty() ? ChangeKind::add : w.texts.empty() ? ChangeKind::remove : ChangeKind::replace;
    c.owner = w.owner;
    c.record_kind = w.kind;
    c.before = ours;
    c.after = w.texts;
    c.ttl_before = ours.empty() ? 0 : served->ttl;
    c.ttl_after = w.texts.empty() ? 0 : w.ttl;
    plan.changes.push_back(std::move(c));
    // RFC 2136 2.4.2 / 2.4.3: the whole RRset as read, ours and others' alike.
    plan.update.prerequisites.push_back(dns::TxtPrerequisite{w.owner, served->records});
    for (const auto* parts : ours_parts) plan.update.deletes.push_back(dns::TxtData{w.owner, 0, *parts});
    for (const auto& t : w.texts) plan.update.adds.push_back(dns::TxtData{w.owner, w.ttl, split_character_strings(t)});
  }
  return plan;
}

}  // namespace dnsauth::records
