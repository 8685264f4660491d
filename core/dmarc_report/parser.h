// Reads one DMARC aggregate report document (RFC 7489 7.2 and Appendix C; DMARCbis aggregate
// reporting, dmarc-xml-0.2.xsd) with pugixml. Receivers' reports arrive from anyone who can
// send mail to the rua= address, so the input is hostile by default:
// - no DTD is processed: a document with a <!DOCTYPE> is refused (no external entity, no
//   entity definition, hence no entity expansion beyond the five predefined entities and
//   character references, which never make text longer);
// - the document size, the element depth, the length of every text value and the number of
//   records are bounded (ParseLimits);
// - text values must be UTF-8 (a report declaring another encoding is read as pugixml converts
//   it); source_ip must be an IP address, count a decimal number, date_range integers.
// Elements the schema does not know (<extension>, a receiver's own) are skipped, as the
// DMARCbis schema's extension points require; element names are compared without their
// namespace prefix. Unknown values of enumerated elements are kept as sent (lowercased).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/dmarc_report/report.h"

namespace dnsauth::dmarc_report {

struct ParseLimits {
  std::size_t max_document_bytes = 64 * 1024 * 1024;  // one uncompressed XML document
  std::size_t max_depth = 32;                         // element nesting
  std::size_t max_text_bytes = 8 * 1024;              // one element's text
  std::size_t max_records = 1'000'000;                // <record> elements
};

// What the parse of one document reports, record by record: the header first (once), then
// every record in document order. The visitor returns false to stop early (a duplicate
// report: nothing more is wanted), which is not an error.
class Visitor {
 public:
  virtual ~Visitor() = default;
  virtual bool header(const Header& header) = 0;
  virtual bool record(const Record& record) = 0;
};

struct ParseStats {
  std::size_t records = 0;   // records handed to the visitor
  bool stopped = false;      // the visitor returned false
};

// Parses the document in `xml` (which the parser may modify: pugixml parses in place).
// Errors (Errc::syntax with the byte offset; Errc::limit; Errc::unsupported for a DOCTYPE or a
// root element other than <feedback>) name the element and say what is wrong, e.g.
// "record 12: <row><count>: 'x1' is not a number". A document that fails after some records
// were visited has had those records visited: the caller decides (the store rolls back).
// A Parser keeps pugixml's document between calls, so one Parser per thread is reused.
class Parser {
 public:
  explicit Parser(ParseLimits limits = {});
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  Result<ParseStats> parse(std::string& xml, Visitor& visitor);

 private:
  struct Impl;
  ParseLimits limits_;
  std::unique_ptr<Impl> impl_;
};

// The whole report in memory, for tests and small tools: the header and every record.
// Its views (report.h) point into `storage`, the document and the parser that read it, which
// the Report keeps (copies share it).
struct Report {
  Header header;
  std::vector<Record> records;
  std::shared_ptr<const void> storage;
};
Result<Report> parse_report(std::string xml, ParseLimits limits = {});

}  // namespace dnsauth::dmarc_report
