#include "core/dns/resolver.h"

#include "core/common/ascii.h"

namespace dnsauth::dns {

std::string_view to_string(RRType type) noexcept {
  switch (type) {
    case RRType::A: return "A";
    case RRType::CNAME: return "CNAME";
    case RRType::PTR: return "PTR";
    case RRType::MX: return "MX";
    case RRType::TXT: return "TXT";
    case RRType::AAAA: return "AAAA";
    case RRType::SPF: return "SPF";
  }
  return "?";
}

std::string_view to_string(Status status) noexcept {
  switch (status) {
    case Status::ok: return "ok";
    case Status::nodata: return "nodata";
    case Status::nxdomain: return "nxdomain";
    case Status::tempfail: return "tempfail";
  }
  return "?";
}

std::string normalize_name(std::string_view name) {
  std::string out(name);
  while (!out.empty() && out.back() == '.') out.pop_back();
  for (char& c : out) c = ascii::lower(c);
  return out;
}

MemoryResolver::Node& MemoryResolver::node(std::string_view name) {
  return nodes_[normalize_name(name)];
}

void MemoryResolver::add_record(std::string_view name, RRType type, std::string text) {
  Answer& a = node(name).answers[type];
  a.status = Status::ok;
  a.records.push_back(std::move(text));
}

void MemoryResolver::add_txt(std::string_view name, std::string text) {
  std::vector<std::string> parts;
  // Keep the on-the-wire shape honest: a single string longer than 255 bytes is split.
  for (std::size_t i = 0; i < text.size() || i == 0; i += 255) parts.push_back(text.substr(i, 255));
  add_txt_parts(name, std::move(parts));
}

void MemoryResolver::add_txt_parts(std::string_view name, std::vector<std::string> parts) {
  std::string joined;
  for (const auto& p : parts) joined += p;
  Answer& a = node(name).answers[RRType::TXT];
  a.status = Status::ok;
  a.records.push_back(std::move(joined));
  a.txt_parts.push_back(std::move(parts));
}

void MemoryResolver::add_a(std::string_view name, std::string address) {
  add_record(name, RRType::A, std::move(address));
}
void MemoryResolver::add_aaaa(std::string_view name, std::string address) {
  add_record(name, RRType::AAAA, std::move(address));
}
void MemoryResolver::add_ptr(std::string_view name, std::string_view target) {
  add_record(name, RRType::PTR, normalize_name(target));
}
void MemoryResolver::add_mx(std::string_view name, std::uint16_t preference,
                            std::string_view exchange) {
  Answer& a = node(name).answers[RRType::MX];
  a.status = Status::ok;
  std::string host = normalize_name(exchange);
  a.records.push_back(std::to_string(preference) + " " + host);
  a.mx.push_back({preference, host});
}
void MemoryResolver::add_cname(std::string_view name, std::string_view target) {
  Node& n = node(name);
  n.cname = normalize_name(target);
  Answer& a = n.answers[RRType::CNAME];
  a.status = Status::ok;
  a.records = {n.cname};
}
void MemoryResolver::add_name(std::string_view name) { node(name); }

void MemoryResolver::add_tempfail(std::string_view name, std::string why) {
  Node& n = node(name);
  n.tempfail_all = true;
  n.tempfail_why = std::move(why);
}
void MemoryResolver::add_tempfail(std::string_view name, RRType type, std::string why) {
  node(name).answers[type] = Answer::temp_failure(std::move(why));
}

Answer MemoryResolver::query(std::string_view name, RRType type) {
  ++queries_;
  std::string current = normalize_name(name);
  // RFC 1034 3.6.2: follow the alias chain; a resolver gives up on a loop with SERVFAIL.
  for (int hops = 0; hops < 16; ++hops) {
    auto it = nodes_.find(current);
    if (it == nodes_.end()) return Answer{Status::nxdomain, {}, {}, {}, {}};
    const Node& n = it->second;
    if (n.tempfail_all) return Answer::temp_failure(n.tempfail_why);
    if (!n.cname.empty() && type != RRType::CNAME) {
      current = n.cname;
      continue;
    }
    auto a = n.answers.find(type);
    if (a == n.answers.end()) return Answer{Status::nodata, {}, {}, {}, {}};
    return a->second;
  }
  return Answer::temp_failure("CNAME chain too long or looping at " + current);
}

Answer CachingResolver::query(std::string_view name, RRType type) {
  auto key = std::make_pair(normalize_name(name), type);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  ++upstream_queries_;
  Answer a = upstream_.query(key.first, type);
  cache_.emplace(std::move(key), a);
  return a;
}

}  // namespace dnsauth::dns
