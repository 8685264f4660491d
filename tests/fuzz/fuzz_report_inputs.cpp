// What a rua= mailbox holds, read as reports::read_bytes reads it (reports/input.h): XML, gzip
// and zip archives (libarchive, from memory), mail messages with their MIME structure walked
// (reports/mime.h). The input's first byte picks the limits (bit 0: tight ones, so that every
// limit is reachable with short inputs; else moderate ones, which libFuzzer's -malloc_limit_mb
// allows); the rest is the file's bytes, labelled "in". Properties:
//   - every document's and every rejection's source is the label, then (zip) "!" and a member
//     name, or (message) " (attachment " and a name; what follows the label has no byte below
//     0x20 and no 0x7F (display_name); every rejection has a reason; the input gives at least
//     one document or rejection;
//   - every document is at most max_document_bytes and sniffs as XML (after an optional UTF-8
//     byte order mark and whitespace its first byte is '<', or a UTF-16 byte order mark and '<');
//   - an input that is XML itself is one document, byte for byte, if it fits
//     max_document_bytes, else one rejection;
//   - a gzip input is at most one document and a zip input at most max_members; what an archive
//     gives in all is at most min(max_expanded_bytes, max(ratio_allowance_bytes, max_ratio *
//     its size)): a bomb costs the limits, never its size;
//   - the same bytes read again give the same documents and rejections in the same order.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "reports/input.h"

using namespace dnsauth;
using namespace dnsauth::reports;

namespace {

const std::string kLabel = "in";

InputLimits limits_for(std::uint8_t options) {
  InputLimits l;
  if (options & 1) {
    l.max_document_bytes = 4096;
    l.max_expanded_bytes = 16384;
    l.ratio_allowance_bytes = 1024;
    l.max_ratio = 10;
    l.max_members = 4;
    l.mime.max_depth = 3;
    l.mime.max_parts = 8;
  } else {
    l.max_document_bytes = 1u << 20;
    l.max_expanded_bytes = 4u << 20;
  }
  return l;
}

// XML 1.0 2.1 and 4.3.3 as reports/input.h describes the sniff, written out again here.
bool sniffs_as_xml(std::string_view b) {
  if (b.starts_with(std::string_view("\xff\xfe<\0", 4)) || b.starts_with(std::string_view("\xfe\xff\0<", 4)))
    return true;
  if (b.starts_with("\xef\xbb\xbf")) b.remove_prefix(3);
  const auto first = b.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && b[first] == '<';
}

class Recorder : public DocumentSink {
 public:
  void document(Document& d) override {
    log += "D " + d.source + "\n" + d.xml + "\n";
    documents.push_back(d);
  }
  void rejected(const Rejection& r) override {
    log += "R " + r.source + "\n" + r.reason + "\n";
    rejections.push_back(r);
  }

  std::vector<Document> documents;
  std::vector<Rejection> rejections;
  std::string log;
};

enum class Shape { xml, gzip, zip, other };

Shape shape_of(std::string_view b) {
  if (b.starts_with("\x1f\x8b")) return Shape::gzip;
  if (b.starts_with(std::string_view("PK\x03\x04", 4))) return Shape::zip;
  return sniffs_as_xml(b) ? Shape::xml : Shape::other;
}

// The label, then what this shape of input may add to it, shown safely.
void check_source(const std::string& source, Shape shape) {
  FUZZ_CHECK_MSG(source.starts_with(kLabel), source);
  const std::string_view rest = std::string_view(source).substr(kLabel.size());
  for (char c : rest) {
    const auto u = static_cast<unsigned char>(c);
    FUZZ_CHECK_MSG(u >= 0x20 && u != 0x7f, source);
  }
  switch (shape) {
    case Shape::xml:
    case Shape::gzip: FUZZ_CHECK_MSG(rest.empty(), source); break;
    case Shape::zip: FUZZ_CHECK_MSG(rest.empty() || rest.starts_with("!"), source); break;
    case Shape::other: FUZZ_CHECK_MSG(rest.empty() || rest.starts_with(" (attachment "), source); break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const InputLimits limits = limits_for(in.byte());
  const std::string bytes(in.rest());
  const Shape shape = shape_of(bytes);

  Recorder first;
  read_bytes(bytes, kLabel, limits, first);
  FUZZ_CHECK(!first.documents.empty() || !first.rejections.empty());
  std::uint64_t total = 0;
  for (const auto& d : first.documents) {
    check_source(d.source, shape);
    FUZZ_CHECK_MSG(d.xml.size() <= limits.max_document_bytes, d.source);
    FUZZ_CHECK_MSG(sniffs_as_xml(d.xml), d.source);
    if (shape == Shape::other) FUZZ_CHECK_MSG(d.source != kLabel, d.source);  // a message is never a document
    total += d.xml.size();
  }
  for (const auto& r : first.rejections) {
    check_source(r.source, shape);
    FUZZ_CHECK_MSG(!r.reason.empty(), r.source);
  }

  switch (shape) {
    case Shape::xml:
      if (bytes.size() <= limits.max_document_bytes) {
        FUZZ_CHECK(first.documents.size() == 1 && first.rejections.empty());
        FUZZ_CHECK(first.documents[0].xml == bytes);
      } else {
        FUZZ_CHECK(first.documents.empty() && first.rejections.size() == 1);
      }
      break;
    case Shape::gzip:
    case Shape::zip: {
      if (shape == Shape::gzip) FUZZ_CHECK(first.documents.size() <= 1);
      if (shape == Shape::zip) FUZZ_CHECK(first.documents.size() <= limits.max_members);
      const std::uint64_t by_ratio = std::max<std::uint64_t>(limits.ratio_allowance_bytes, limits.max_ratio * bytes.size());
      FUZZ_CHECK_MSG(total <= std::min<std::uint64_t>(limits.max_expanded_bytes, by_ratio),
                     std::to_string(total) + " bytes from " + std::to_string(bytes.size()));
      break;
    }
    case Shape::other: break;
  }

  Recorder second;
  read_bytes(bytes, kLabel, limits, second);
  FUZZ_CHECK(second.log == first.log);

  // display_name, which every name in a source passes through, on the input itself.
  const std::string shown = display_name(bytes);
  FUZZ_CHECK(shown.size() <= 203 && (bytes.size() > 200 || shown.size() == bytes.size()));
  for (char c : shown) FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
  return 0;
}
