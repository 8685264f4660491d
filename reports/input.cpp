#include "reports/input.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <system_error>

#include "core/common/file.h"
#include "core/mail/message.h"

namespace dnsauth::reports {

namespace fs = std::filesystem;

namespace {

enum class Kind { empty, xml, gzip, zip, other };

// By content: RFC 1952 2.3.1 (ID1 ID2 = 1f 8b), the zip local file header signature
// (APPNOTE.TXT 4.3.7), an XML document (XML 1.0 2.1: prolog or root element; an optional
// byte order mark, 4.3.3, and whitespace before it).
Kind sniff(std::string_view b) {
  if (b.empty()) return Kind::empty;
  if (b.starts_with("\x1f\x8b")) return Kind::gzip;
  if (b.starts_with(std::string_view("PK\x03\x04", 4))) return Kind::zip;
  // UTF-16 with its byte order mark, then '<': the parser decides whether it can read it.
  if (b.starts_with(std::string_view("\xff\xfe<\0", 4)) || b.starts_with(std::string_view("\xfe\xff\0<", 4)))
    return Kind::xml;
  if (b.starts_with("\xef\xbb\xbf")) b.remove_prefix(3);
  const auto first = b.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return Kind::other;
  return b[first] == '<' ? Kind::xml : Kind::other;
}

std::string mib(std::uint64_t bytes) {
  return bytes % (1u << 20) == 0 ? std::to_string(bytes >> 20) + " MiB" : std::to_string(bytes) + " bytes";
}

std::string document_too_large(const InputLimits& limits) {
  return "larger than max_document_bytes (" + mib(limits.max_document_bytes) + ") uncompressed";
}

void reject(DocumentSink& sink, std::string source, std::string reason) {
  sink.rejected(Rejection{std::move(source), std::move(reason)});
}

// A document that arrived uncompressed (a file, an attachment, an archive member).
void hand_on(std::string bytes, std::string source, const InputLimits& limits, DocumentSink& sink) {
  if (bytes.size() > limits.max_document_bytes) return reject(sink, std::move(source), document_too_large(limits));
  Document d{std::move(source), std::move(bytes)};
  sink.document(d);
}

constexpr const char* archive_in_archive = "an archive inside an archive is not opened (one level of compression only)";

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};

std::string archive_problem(archive* a, const char* fallback) {
  const char* text = archive_error_string(a);
  return text ? text : fallback;
}

// Each regular file the archive holds (gzip: the one decompressed stream, read through
// libarchive's "raw" format), decompressed block by block within the limits.
void expand(std::string_view bytes, Kind kind, const std::string& source, const InputLimits& limits,
            DocumentSink& sink) {
  const char* what = kind == Kind::gzip ? "gzip" : "zip";
  std::unique_ptr<archive, ArchiveFree> a(archive_read_new());
  if (!a) return reject(sink, source, "out of memory");
  if (kind == Kind::gzip) {
    archive_read_support_filter_gzip(a.get());
    archive_read_support_format_raw(a.get());
  } else {
    archive_read_support_format_zip(a.get());
  }
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK)
    return reject(sink, source, std::string(what) + ": " + archive_problem(a.get(), "cannot be read"));
  // libarchive stacks a filter for each layer of compression it recognizes (gzip of gzip of
  // ...), after the one that reads the memory: more than that and gzip's is a second level.
  if (kind == Kind::gzip && archive_filter_count(a.get()) > 2)
    return reject(sink, source, archive_in_archive);

  // The ratio bound, never below the allowance, saturating instead of overflowing.
  const std::uint64_t by_ratio = bytes.size() > UINT64_MAX / std::max<std::uint64_t>(limits.max_ratio, 1)
                                     ? UINT64_MAX
                                     : bytes.size() * limits.max_ratio;
  const std::uint64_t ratio_bound = std::max(by_ratio, limits.ratio_allowance_bytes);
  std::uint64_t expanded = 0;
  std::size_t members = 0;
  std::size_t files = 0;  // members other than folders
  for (;;) {
    archive_entry* entry = nullptr;
    const int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      reject(sink, source, std::string(what) + ": " + archive_problem(a.get(), "a damaged entry"));
      break;
    }
    if (++members > limits.max_members) {
      reject(sink, source,
             "more than max_members (" + std::to_string(limits.max_members) + ") entries: the rest were not read");
      break;
    }
    std::string member = source;
    if (kind == Kind::zip) {
      // The name as the archive gave it (UTF-8 when its flag says so), whatever the locale.
      const char* name = archive_entry_pathname_utf8(entry);
      if (!name) name = archive_entry_pathname(entry);
      member += '!';
      member += display_name(name && *name ? std::string(name) : "entry " + std::to_string(members));
      if (archive_entry_filetype(entry) == AE_IFDIR) continue;
      ++files;
      if (archive_entry_filetype(entry) != AE_IFREG) {
        reject(sink, member, "not a regular file (a link or a device entry)");
        continue;
      }
      // The declared size is the sender's word; the reading below checks what actually comes.
      if (archive_entry_size_is_set(entry) &&
          static_cast<std::uint64_t>(archive_entry_size(entry)) > limits.max_document_bytes) {
        reject(sink, member, document_too_large(limits));
        continue;
      }
    }

    // The size the archive declares (zip: the entry's size; gzip: ISIZE, its last four bytes,
    // the size modulo 2^32, RFC 1952 2.3.1) is only a hint: it saves the copies of a growing
    // buffer, within the limits, and the reading below still checks what actually comes.
    std::string out;
    std::uint64_t hint = 0;
    if (kind == Kind::zip && archive_entry_size_is_set(entry) && archive_entry_size(entry) > 0)
      hint = static_cast<std::uint64_t>(archive_entry_size(entry));
    if (kind == Kind::gzip && bytes.size() >= 18) {
      const auto* end = reinterpret_cast<const unsigned char*>(bytes.data() + bytes.size());
      hint = std::uint64_t{end[-4]} | std::uint64_t{end[-3]} << 8 | std::uint64_t{end[-2]} << 16 |
             std::uint64_t{end[-1]} << 24;
    }
    out.reserve(static_cast<std::size_t>(std::min({hint, limits.max_document_bytes, ratio_bound})));
    bool keep = true, stop = false;
    for (;;) {
      // libarchive's own buffer, copied once into the document (archive_read_data would copy it
      // into a buffer of ours first).
      const void* data = nullptr;
      std::size_t n = 0;
      la_int64_t at = 0;
      const int got = archive_read_data_block(a.get(), &data, &n, &at);
      if (got == ARCHIVE_EOF) break;
      if (got < ARCHIVE_OK) {
        reject(sink, member, std::string(what) + ": " + archive_problem(a.get(), "cannot be decompressed"));
        keep = false;
        stop = got == ARCHIVE_FATAL;
        break;
      }
      // Blocks come in order; a gap (a sparse entry, which neither zip nor gzip has) is damage.
      if (at != static_cast<la_int64_t>(out.size())) {
        reject(sink, member, std::string(what) + ": a damaged entry (data out of order)");
        keep = false;
        break;
      }
      expanded += static_cast<std::uint64_t>(n);
      if (expanded > ratio_bound) {
        reject(sink, member,
               "expands more than max_ratio (" + std::to_string(limits.max_ratio) +
                   ") times its compressed size of " + std::to_string(bytes.size()) +
                   " bytes (a compression bomb?); the rest of the archive was not read");
        keep = false, stop = true;
        break;
      }
      if (expanded > limits.max_expanded_bytes) {
        reject(sink, member,
               "expands to more than max_expanded_bytes (" + mib(limits.max_expanded_bytes) +
                   "); the rest of the archive was not read");
        keep = false, stop = true;
        break;
      }
      if (out.size() + static_cast<std::size_t>(n) > limits.max_document_bytes) {
        reject(sink, member, document_too_large(limits));
        keep = false;
        // A zip's next header seeks past the rest of this member; gzip's one stream would
        // have to be decompressed to its end to be skipped, and nothing follows it.
        stop = kind == Kind::gzip;
        break;
      }
      out.append(static_cast<const char*>(data), n);
    }
    if (stop) break;
    if (!keep) continue;
    switch (sniff(out)) {
      case Kind::xml: hand_on(std::move(out), std::move(member), limits, sink); break;
      case Kind::gzip:
      case Kind::zip:
        reject(sink, member, archive_in_archive);
        break;
      case Kind::empty: reject(sink, member, "empty"); break;
      case Kind::other: reject(sink, member, "not an XML document"); break;
    }
  }
  // Folders give nothing: an archive of folders only is said to hold no file, as an empty one
  // is (past max_members that was said already).
  if (kind == Kind::zip && files == 0 && members <= limits.max_members)
    reject(sink, source, "the zip archive holds no file");
}

// A message: each attachment that can hold a report, read as a file would be but one level
// deep (an attachment is never taken for a message again).
void read_message(std::string_view bytes, const std::string& source, const InputLimits& limits, DocumentSink& sink) {
  auto message = mail::parse_message(bytes);
  if (!message || message->headers.empty())
    return reject(sink, source,
                  "not a report: neither XML, gzip, zip nor a mail message" +
                      (message ? std::string() : " (" + message.error().message() + ")"));
  mime::Walk walk = mime::find_report_parts(*message, limits.mime);
  if (walk.attachments.empty()) {
    std::string why;
    for (const auto& p : walk.problems) why += (why.empty() ? " (" : "; ") + p;
    return reject(sink, source, "no aggregate report in the message" + (why.empty() ? "" : why + ")"));
  }
  for (auto& p : walk.problems) reject(sink, source, std::move(p));
  for (auto& a : walk.attachments) {
    const std::string label = source + " (attachment " + display_name(a.name) + ")";
    if (!a.problem.empty()) {
      reject(sink, label, std::move(a.problem));
      continue;
    }
    switch (const Kind kind = sniff(a.bytes)) {
      case Kind::xml: hand_on(std::move(a.bytes), label, limits, sink); break;
      case Kind::gzip:
      case Kind::zip: expand(a.bytes, kind, label, limits, sink); break;
      case Kind::empty: reject(sink, label, "empty attachment"); break;
      case Kind::other: reject(sink, label, "the attachment (" + a.content_type + ") is neither XML, gzip nor zip"); break;
    }
  }
}

// Folder entries in byte order of their names; a folder that cannot be listed is rejected.
std::vector<fs::directory_entry> sorted_entries(const fs::path& dir, InputList& out) {
  std::vector<fs::directory_entry> entries;
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) entries.push_back(*it);
  if (ec) out.rejected.push_back({dir.string(), "cannot list the folder: " + ec.message()});
  std::sort(entries.begin(), entries.end(),
            [](const auto& x, const auto& y) { return x.path().filename().native() < y.path().filename().native(); });
  return entries;
}

bool is_directory_itself(const fs::path& p) {
  std::error_code ec;
  return fs::symlink_status(p, ec).type() == fs::file_type::directory;
}

bool is_maildir(const fs::path& dir) { return is_directory_itself(dir / "cur") && is_directory_itself(dir / "new"); }

// One folder entry that is to be read as a file, or why not.
void take_file(const fs::directory_entry& e, InputList& out) {
  std::error_code ec;
  const auto type = e.symlink_status(ec).type();
  if (ec) {
    out.rejected.push_back({e.path().string(), ec.message()});
  } else if (type == fs::file_type::regular) {
    out.files.push_back(e.path().string());
  } else if (type == fs::file_type::symlink) {
    out.rejected.push_back({e.path().string(), "a symbolic link inside a folder is not followed"});
  } else {
    out.rejected.push_back({e.path().string(), "not a regular file"});
  }
}

bool hidden(const fs::path& p) { return p.filename().native().starts_with("."); }

// The messages of a Maildir folder: cur/ and new/, whichever exist (tmp/ holds deliveries in
// progress).
void take_messages(const fs::path& dir, InputList& out) {
  for (const char* sub : {"cur", "new"})
    if (is_directory_itself(dir / sub))
      for (const auto& e : sorted_entries(dir / sub, out))
        if (!hidden(e.path())) take_file(e, out);
}

// A Maildir's messages, then each Maildir++ subfolder's (".Name", one level: Maildir++ spells
// nested folders ".Parent.Child").
void walk_maildir(const fs::path& dir, InputList& out) {
  take_messages(dir, out);
  for (const auto& e : sorted_entries(dir, out))
    if (hidden(e.path()) && is_directory_itself(e.path())) take_messages(e.path(), out);
}

void walk_folder(const fs::path& dir, InputList& out) {
  if (is_maildir(dir)) return walk_maildir(dir, out);
  for (const auto& e : sorted_entries(dir, out)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with(".") || name.starts_with("dovecot")) continue;
    if (is_directory_itself(e.path())) {
      walk_folder(e.path(), out);
    } else {
      take_file(e, out);
    }
  }
}

class Collector : public DocumentSink {
 public:
  explicit Collector(Collected& c) : c_(c) {}
  void document(Document& d) override { c_.documents.push_back(std::move(d)); }
  void rejected(const Rejection& r) override { c_.rejected.push_back(r); }

 private:
  Collected& c_;
};

}  // namespace

std::string display_name(std::string_view name) {
  constexpr std::size_t max = 200;
  std::string out;
  for (char c : name.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  if (name.size() > max) out += "...";
  return out;
}

InputList list_inputs(const std::vector<std::string>& paths) {
  InputList out;
  for (const auto& p : paths) {
    std::error_code ec;
    const auto status = fs::status(p, ec);  // a path named by the caller is followed
    if (ec || status.type() == fs::file_type::not_found) {
      out.rejected.push_back({p, ec ? ec.message() : "No such file or directory"});
    } else if (status.type() == fs::file_type::regular) {
      out.files.push_back(p);
    } else if (status.type() == fs::file_type::directory) {
      walk_folder(p, out);
    } else {
      out.rejected.push_back({p, "not a regular file or folder"});
    }
  }
  return out;
}

void read_input(const std::string& file, const InputLimits& limits, DocumentSink& sink) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) return reject(sink, file, ec.message());
  if (size > limits.max_input_bytes)
    return reject(sink, file,
                  std::to_string(size) + " bytes, larger than max_input_bytes (" + mib(limits.max_input_bytes) + ")");
  auto bytes = read_whole_file(file);
  if (!bytes) return reject(sink, file, bytes.error().detail);
  read_bytes(std::move(*bytes), file, limits, sink);
}

void read_bytes(std::string bytes, const std::string& source, const InputLimits& limits, DocumentSink& sink) {
  switch (const Kind kind = sniff(bytes)) {
    case Kind::empty: return reject(sink, source, "empty file");
    case Kind::xml: return hand_on(std::move(bytes), source, limits, sink);
    case Kind::gzip:
    case Kind::zip: return expand(bytes, kind, source, limits, sink);
    case Kind::other: return read_message(bytes, source, limits, sink);
  }
}

Collected read_all(const std::vector<std::string>& paths, const InputLimits& limits) {
  Collected c;
  InputList list = list_inputs(paths);
  c.rejected = std::move(list.rejected);
  c.inputs = list.files.size();
  Collector sink(c);
  for (const auto& f : list.files) read_input(f, limits, sink);
  return c;
}

}  // namespace dnsauth::reports
