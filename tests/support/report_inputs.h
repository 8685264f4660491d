// Inputs for the DMARC aggregate report ingestion tests, built in the test (never kept as
// binary fixtures): report documents, gzip and zip archives written with libarchive (linked
// through dnsauth::reports), compression bombs streamed from zeros without holding them, and
// mail messages with a report attached.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/common/base64.h"

namespace dnsauth::test {

// An RFC 7489 Appendix C document with `records` records (the same source, counts 1, 2, ...).
inline std::string report_xml(const std::string& org, const std::string& report_id,
                              const std::string& domain = "example.com", int records = 1) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n  <report_metadata>\n    <org_name>" +
                    org + "</org_name>\n    <email>noreply-dmarc@" + org + "</email>\n    <report_id>" + report_id +
                    "</report_id>\n    <date_range><begin>1700000000</begin><end>1700086399</end></date_range>\n"
                    "  </report_metadata>\n  <policy_published>\n    <domain>" +
                    domain + "</domain>\n    <adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct>\n"
                             "  </policy_published>\n";
  for (int i = 1; i <= records; ++i)
    xml += "  <record>\n    <row>\n      <source_ip>192.0.2." + std::to_string(i) + "</source_ip>\n      <count>" +
           std::to_string(i) +
           "</count>\n      <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf>"
           "</policy_evaluated>\n    </row>\n    <identifiers><header_from>" +
           domain + "</header_from></identifiers>\n    <auth_results><dkim><domain>" + domain +
           "</domain><selector>s1</selector><result>pass</result></dkim><spf><domain>" + domain +
           "</domain><result>fail</result></spf></auth_results>\n  </record>\n";
  return xml + "</feedback>\n";
}

struct ArchiveMember {
  ArchiveMember(std::string member_name, std::string member_content)
      : name(std::move(member_name)), content(std::move(member_content)) {}
  // That many zero bytes, streamed (a bomb without holding it).
  static ArchiveMember zeros(std::string name, std::uint64_t count) {
    ArchiveMember m(std::move(name), "");
    m.zero_bytes = count;
    return m;
  }
  static ArchiveMember folder(std::string name) {
    ArchiveMember m(std::move(name), "");
    m.directory = true;
    return m;
  }
  static ArchiveMember link(std::string name, std::string target) {
    ArchiveMember m(std::move(name), "");
    m.symlink_target = std::move(target);
    return m;
  }

  std::string name;
  std::string content;
  std::uint64_t zero_bytes = 0;
  bool directory = false;
  std::string symlink_target;
};

namespace detail {
inline la_ssize_t append(archive*, void* out, const void* buf, size_t n) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}
inline void check(archive* a, int r, const char* what) {
  if (r < ARCHIVE_WARN) throw std::runtime_error(std::string(what) + ": " + (archive_error_string(a) ? archive_error_string(a) : "?"));
}
// Writes the members with the archive's format and filter already set; returns the bytes.
inline std::string write_members(archive* a, const std::vector<ArchiveMember>& members) {
  std::string out;
  check(a, archive_write_set_bytes_in_last_block(a, 1), "bytes in last block");
  check(a, archive_write_open(a, &out, nullptr, append, nullptr), "open");
  const std::string zeros(1 << 20, '\0');
  for (const auto& m : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname_utf8(e, m.name.c_str());
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, 1700000000, 0);
    if (m.directory) {
      archive_entry_set_filetype(e, AE_IFDIR);
      archive_entry_set_size(e, 0);
    } else if (!m.symlink_target.empty()) {
      archive_entry_set_filetype(e, AE_IFLNK);
      archive_entry_set_symlink(e, m.symlink_target.c_str());
      archive_entry_set_size(e, 0);
    } else {
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_size(e, static_cast<la_int64_t>(m.zero_bytes ? m.zero_bytes : m.content.size()));
    }
    check(a, archive_write_header(a, e), "header");
    archive_entry_free(e);
    if (m.zero_bytes) {
      for (std::uint64_t left = m.zero_bytes; left > 0;) {
        const std::size_t n = left < zeros.size() ? static_cast<std::size_t>(left) : zeros.size();
        if (archive_write_data(a, zeros.data(), n) < 0) check(a, ARCHIVE_FATAL, "data");
        left -= n;
      }
    } else if (!m.content.empty()) {
      if (archive_write_data(a, m.content.data(), m.content.size()) < 0) check(a, ARCHIVE_FATAL, "data");
    }
  }
  check(a, archive_write_close(a), "close");
  archive_write_free(a);
  return out;
}
}  // namespace detail

inline std::string make_zip(const std::vector<ArchiveMember>& members) {
  archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  archive_write_set_options(a, "zip:compression=deflate");
  return detail::write_members(a, members);
}

// RFC 1952: one gzip member holding content (or `zeros` zero bytes).
inline std::string make_gzip(const std::string& content, std::uint64_t zeros = 0) {
  archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_raw(a);
  return detail::write_members(a, {zeros ? ArchiveMember::zeros("data", zeros) : ArchiveMember("data", content)});
}

// A message as receivers send reports: a text part and the report attached in base64.
inline std::string report_message(const std::string& attachment, const std::string& content_type,
                                  const std::string& filename) {
  std::string b64 = encode_base64(attachment), folded;
  for (std::size_t i = 0; i < b64.size(); i += 76) folded += b64.substr(i, 76) + "\r\n";
  return "From: noreply-dmarc@receiver.example\r\n"
         "To: dmarc-reports@example.com\r\n"
         "Subject: Report Domain: example.com Submitter: receiver.example\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"=_b1\"\r\n"
         "\r\n"
         "This is a multi-part message in MIME format.\r\n"
         "--=_b1\r\n"
         "Content-Type: text/plain; charset=us-ascii\r\n"
         "\r\n"
         "This is an aggregate report.\r\n"
         "--=_b1\r\n"
         "Content-Type: " + content_type + "; name=\"" + filename + "\"\r\n"
         "Content-Transfer-Encoding: base64\r\n"
         "Content-Disposition: attachment; filename=\"" + filename + "\"\r\n"
         "\r\n" + folded +
         "--=_b1--\r\n";
}

}  // namespace dnsauth::test
