// Finding DMARC aggregate report documents in what a rua= mailbox holds: XML files, gzip and
// zip archives, mail messages with the report attached (reports/mime.h), and folders of them,
// Maildirs included. What a file is, is told by its content, never by its name: gzip's magic
// 1f 8b, zip's "PK\3\4", XML ('<' after an optional byte order mark and whitespace),
// otherwise an RFC 5322 message.
//
// Everything here is hostile input (anyone can send mail to a rua= address):
// - archives are read with libarchive from memory, block by block; a document stops growing at
//   max_document_bytes, and all that one compressed input expands to stops at max_ratio times
//   its size (beyond ratio_allowance_bytes) and at max_expanded_bytes, before the bytes past
//   the limit are kept: a compression bomb costs at most the limits, never its full size;
// - a zip member's name is only ever shown (in Document::source, with control characters
//   replaced), never used as a path: nothing here writes a file;
// - one level of compression: an archive inside an archive (zip in zip, gzip in zip, gzip in
//   gzip, a zip attachment holding a .gz) is rejected, not opened;
// - files larger than max_input_bytes are not read, MIME nesting and part counts are bounded.
// XML itself (DTDs, entities) is the parser's concern (core/dmarc_report/parser.h): a
// Document is handed on as the bytes it arrived as.
//
// Folders. A Maildir (a folder with cur/ and new/) gives the files of cur/ and new/, never
// tmp/ (messages still being delivered), and those of its Maildir++ subfolders (.Name/cur,
// .Name/new, whichever exist), as Dovecot and getmail deliver them. Any other folder gives its regular files,
// recursively, skipping names that begin with "." and Dovecot's own files (dovecot*). Entries
// are taken in byte order of their names (cur/ before new/), so that every run reads the same
// inputs in the same order. A path named by the caller is followed if it is a symbolic link;
// a symbolic link met inside a folder is not followed (it could lead out of the tree or around
// in a loop): it is rejected, so that the operator sees it, as is anything else that is not a
// regular file or a folder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "reports/mime.h"

namespace dnsauth::reports {

struct InputLimits {
  std::uint64_t max_input_bytes = 64ull << 20;      // one file as it is on disk
  std::uint64_t max_document_bytes = 64ull << 20;   // one report document, uncompressed (the
                                                    // parser's ParseLimits::max_document_bytes)
  std::uint64_t max_ratio = 1000;                   // what one compressed input (all its members
                                                    // together) expands to, per compressed byte
  std::uint64_t ratio_allowance_bytes = 1ull << 20; // ... checked beyond this much output only:
                                                    // small reports compress very well
  std::uint64_t max_expanded_bytes = 256ull << 20;  // what one compressed input expands to
  std::size_t max_members = 1000;                   // entries of one zip archive
  mime::MimeLimits mime;
};

// One report document and where it came from:
//   "PATH"                                 an XML file, or a gzip file
//   "PATH!MEMBER"                          a zip archive's member
//   "PATH (attachment NAME)"               a message's attachment (XML or gzip)
//   "PATH (attachment NAME)!MEMBER"        a member of a zip attachment
// PATH as the caller or the folder walk spelled it; MEMBER and NAME as the sender wrote them,
// control characters replaced by '?' and cut at 200 bytes (display_name).
struct Document {
  std::string source;
  std::string xml;
};

// An input, or a part of one, that gives no document, and why ("not an XML document",
// "expands more than 1000 times its compressed size ...").
struct Rejection {
  std::string source;
  std::string reason;
};

class DocumentSink {
 public:
  virtual ~DocumentSink() = default;
  // Each document as it is found; the sink may take document.xml (the parser modifies it).
  virtual void document(Document& document) = 0;
  virtual void rejected(const Rejection& rejection) = 0;
};

// The files that paths name, folders expanded as above, in the order they are to be read;
// paths that do not exist, cannot be listed or are neither file nor folder are rejected.
struct InputList {
  std::vector<std::string> files;
  std::vector<Rejection> rejected;
};
InputList list_inputs(const std::vector<std::string>& paths);

// Reads one file and hands each document in it, and each rejection, to the sink.
void read_input(const std::string& file, const InputLimits& limits, DocumentSink& sink);

// The same for bytes already in memory, labelled source.
void read_bytes(std::string bytes, const std::string& source, const InputLimits& limits, DocumentSink& sink);

// A name from the input (a zip member, an attachment's filename) fit to show: bytes below 0x20
// and 0x7F become '?', and beyond 200 bytes it is cut and ends in "...".
std::string display_name(std::string_view name);

// Every input of paths read into memory (tests, small tools; the command line streams).
struct Collected {
  std::size_t inputs = 0;  // files read
  std::vector<Document> documents;
  std::vector<Rejection> rejected;
};
Collected read_all(const std::vector<std::string>& paths, const InputLimits& limits = {});

}  // namespace dnsauth::reports
