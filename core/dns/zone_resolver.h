// Answers from RFC 1035 master files, offline: the pre-deployment view of what a zone will
// publish. Files are read with ldns ($ORIGIN, $TTL, $INCLUDE, relative names, multi-line records);
// several files may be loaded, each a zone or a fragment of one. Queries are answered as an
// authoritative server would answer them and a recursive resolver would pass them on:
//   - a name with records answers them, or NODATA for a type it lacks;
//   - an empty non-terminal (a name with no records but with names below it) answers NODATA;
//   - otherwise a wildcard "*.<closest encloser>" answers in its place (RFC 4592 3.3.1),
//     and without one the name does not exist (NXDOMAIN);
//   - CNAMEs are followed (RFC 1034 3.6.2); a loop answers tempfail, as a resolver would.
// A name outside every loaded zone goes to the fallback resolver when one is set, else
// NXDOMAIN. Delegations (NS below the apex) are not followed: their data is answered as is.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/dns/resolver.h"

namespace dnsauth::dns {

class ZoneResolver : public Resolver {
 public:
  // Reads one master file ($INCLUDE files relative to its folder). origin is the $ORIGIN in
  // force at the top of the file; when
  // empty, a file named "<domain>.zone" starts with origin <domain>, any other at the root.
  // The zone's apex is the owner of its SOA or, for a fragment without one, the longest
  // domain common to all its owner names; when the names share no more than a top-level
  // domain, each name is its own little zone.
  // Errc::io when the file (or an $INCLUDE file) cannot be opened, is a directory, or a read
  // fails ("FILE:LINE: read error: ..."); Errc::syntax "FILE:LINE: what" when ldns cannot read a
  // record, for an $INCLUDE without a file name or nested more than 8 deep (a loop), and for
  // records of a class other than IN.
  Result<void> load_file(const std::filesystem::path& file, std::string_view origin = {});
  // The same from text; source names it in errors ("<zone text>:3: ..."); $INCLUDE paths
  // are relative to the current directory.
  Result<void> load_text(std::string_view text, std::string_view source,
                         std::string_view origin = {});

  // Names outside every loaded zone are asked here (not owned; must outlive this resolver).
  void set_fallback(Resolver* fallback) { fallback_ = fallback; }

  Answer query(std::string_view name, RRType type) override;

  // The apexes of the zones loaded so far.
  const std::set<std::string>& zones() const { return apexes_; }
  std::size_t record_count() const { return record_count_; }
  // The owner names of the records loaded so far, lowercase without the final dot, sorted;
  // wildcard owners ("*.example.com") as written. What a linter walks: the DNS cannot list
  // names (DKIM selectors, for one), a zone file can.
  std::vector<std::string> names() const;
  // The records of `type` that `name` owns itself, as loaded: ok with the records, or nodata
  // (no records of that type at that name). Unlike query(), no CNAME is followed, no wildcard
  // answers and the fallback is not asked.
  Answer records_at(std::string_view name, RRType type) const;

 private:
  struct Node {
    std::map<RRType, Answer> answers;
    std::string cname;
    bool has_records = false;  // of any type, including ones not in RRType (NS, SOA, ...)
  };
  Result<void> load_stream(std::FILE* fp, const std::string& source,
                           const std::filesystem::path& base_dir, std::string_view origin);
  const std::string* find_apex(const std::string& name) const;
  // The node answering for name inside the zone at apex: the name itself, or the wildcard
  // at its closest encloser. Null with *exists telling NODATA (empty non-terminal) from
  // NXDOMAIN.
  const Node* lookup(const std::string& name, const std::string& apex, bool* exists) const;

  std::map<std::string, Node, std::less<>> nodes_;
  std::set<std::string, std::less<>> non_terminals_;  // names that exist only through descendants
  std::set<std::string> apexes_;
  Resolver* fallback_ = nullptr;
  std::size_t record_count_ = 0;
};

}  // namespace dnsauth::dns
