// One DNS interface for every protocol in the core. Answers tell records, NODATA, NXDOMAIN
// and temporary failure apart, because SPF (RFC 7208 5, 4.6.4 void lookups), DKIM (RFC 6376
// 6.1.2) and DMARC all react differently to each.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dnsauth::dns {

enum class RRType : std::uint16_t { A = 1, CNAME = 5, PTR = 12, MX = 15, TXT = 16, AAAA = 28, SPF = 99 };

std::string_view to_string(RRType type) noexcept;

enum class Status {
  ok,        // NOERROR with at least one record of the asked type
  nodata,    // NOERROR, no record of that type
  nxdomain,  // the name does not exist
  tempfail,  // SERVFAIL, timeout, refused, truncated beyond repair: try again later
};

std::string_view to_string(Status status) noexcept;

struct MxRecord {
  std::uint16_t preference = 0;
  std::string exchange;  // lowercase, no trailing dot
};

// One answer. For TXT (and type 99) every record is its character-strings joined with no
// separator (RFC 7208 3.3, RFC 6376 3.6.2.2); the strings as received are kept in txt_parts
// for the linter (a string over 255 bytes cannot exist on the wire, but a zone can try).
// A and AAAA records are textual addresses ("192.0.2.1", "2001:db8::1"); PTR and MX targets
// are lowercase names without the trailing dot.
struct Answer {
  Status status = Status::nxdomain;
  std::vector<std::string> records;
  std::vector<std::vector<std::string>> txt_parts;
  std::vector<MxRecord> mx;
  std::string detail;  // why a tempfail happened, for logs and reasons ("timeout after 2 tries")
  // The server's RCODE when it answered with an error other than NXDOMAIN (RFC 1035 4.1.1:
  // 2 SERVFAIL, 5 REFUSED, ...); 0 otherwise.
  int rcode = 0;

  bool ok() const { return status == Status::ok; }
  static Answer temp_failure(std::string why) { return {Status::tempfail, {}, {}, {}, std::move(why)}; }
};

// Normalizes a query name: lowercase ASCII, no trailing dot.
std::string normalize_name(std::string_view name);

class Resolver {
 public:
  virtual ~Resolver() = default;
  virtual Answer query(std::string_view name, RRType type) = 0;
};

// Records kept in memory: the unit tests' resolver. Names are case-insensitive. A name that
// has any record answers NODATA for other types; a name with none answers NXDOMAIN unless
// marked as existing (an empty non-terminal). A name with a CNAME is followed for every other
// type, as a recursive resolver would (RFC 1034 3.6.2); a loop answers tempfail (SERVFAIL).
class MemoryResolver : public Resolver {
 public:
  void add_txt(std::string_view name, std::string text);
  void add_txt_parts(std::string_view name, std::vector<std::string> parts);
  void add_a(std::string_view name, std::string address);
  void add_aaaa(std::string_view name, std::string address);
  void add_mx(std::string_view name, std::uint16_t preference, std::string_view exchange);
  void add_ptr(std::string_view name, std::string_view target);
  void add_record(std::string_view name, RRType type, std::string text);
  // name is an alias of target: queries for other types follow it.
  void add_cname(std::string_view name, std::string_view target);
  // The name exists (NOERROR/NODATA for every type) without records of its own.
  void add_name(std::string_view name);
  // Every query for this name (any type, or one type) answers tempfail.
  void add_tempfail(std::string_view name, std::string why = "SERVFAIL");
  void add_tempfail(std::string_view name, RRType type, std::string why = "SERVFAIL");

  Answer query(std::string_view name, RRType type) override;

  // How many queries were asked, for tests that check lookup limits and caching.
  std::size_t queries() const { return queries_; }

 private:
  struct Node {
    std::map<RRType, Answer> answers;
    std::string cname;  // alias target, empty when none
    bool tempfail_all = false;
    std::string tempfail_why;
  };
  Node& node(std::string_view name);
  std::map<std::string, Node, std::less<>> nodes_;
  std::size_t queries_ = 0;
};

// Caches answers for one evaluation, so a name is asked once (RFC 7208 4.6.4 counts terms,
// not queries; the cache keeps the load on the receiver's resolver down).
class CachingResolver : public Resolver {
 public:
  explicit CachingResolver(Resolver& upstream) : upstream_(upstream) {}
  Answer query(std::string_view name, RRType type) override;
  std::size_t upstream_queries() const { return upstream_queries_; }

 private:
  Resolver& upstream_;
  std::map<std::pair<std::string, RRType>, Answer> cache_;
  std::size_t upstream_queries_ = 0;
};

}  // namespace dnsauth::dns
