#include "core/tables/postfix_tables.h"

#include <cdb.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <unordered_map>

#include "core/tables/postfix_text.h"

namespace dnsauth::tables {

namespace {

class TextHashTable final : public LookupTable {
 public:
  TextHashTable(std::string name, std::vector<TextEntry> entries) : name_(std::move(name)) {
    map_.reserve(entries.size());
    for (auto& e : entries) map_.emplace(fold_key(e.key), std::move(e.value));
  }
  Result<std::optional<std::string>> find(std::string_view key) const override {
    auto it = map_.find(fold_key(key));
    if (it == map_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  const std::string& name() const noexcept override { return name_; }
  std::size_t size() const noexcept override { return map_.size(); }

 private:
  std::string name_;
  std::unordered_map<std::string, std::string> map_;
};

// tinycdb's reader over a mapping of the file. tinycdb keeps the position of what it found in
// the struct cdb itself, so each lookup searches a copy of it (a few words pointing at the same
// mapping): lookups from several milter threads never write shared state.
class CdbTable final : public LookupTable {
 public:
  explicit CdbTable(std::string name) : name_(std::move(name)) {}
  ~CdbTable() override {
    if (mapped_) cdb_free(&db_);
  }
  CdbTable(const CdbTable&) = delete;
  CdbTable& operator=(const CdbTable&) = delete;

  Result<void> open(const std::filesystem::path& file) {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return make_error(Errc::io, file.string() + ": " + std::strerror(errno));
    int r = cdb_init(&db_, fd);
    int saved = errno;
    ::close(fd);  // the mapping outlives the descriptor
    if (r != 0) return make_error(Errc::syntax, file.string() + ": not a cdb file: " + std::strerror(saved));
    mapped_ = true;
    // Walk the records once: a file that is not a cdb fails here, not at the first lookup.
    unsigned pos = 0;
    cdb_seqinit(&pos, &db_);
    while ((r = cdb_seqnext(&pos, &db_)) > 0) ++records_;
    if (r < 0) return make_error(Errc::syntax, file.string() + ": not a cdb file (as `postmap cdb:...` writes)");
    return {};
  }

  Result<std::optional<std::string>> find(std::string_view key) const override {
    // dict_cdb: the key as given, then with a terminating NUL (DICT_FLAG_TRY0NULL, TRY1NULL):
    // postmap writes keys without one, older tools with.
    std::string folded = fold_key(key);
    for (unsigned with_nul = 0; with_nul < 2; ++with_nul) {
      struct cdb local = db_;
      int r = cdb_find(&local, folded.c_str(), static_cast<unsigned>(folded.size()) + with_nul);
      if (r < 0) return make_error(Errc::io, name_ + ": the cdb file is corrupt");
      if (r == 0) continue;
      const char* data = static_cast<const char*>(cdb_get(&local, cdb_datalen(&local), cdb_datapos(&local)));
      if (!data) return make_error(Errc::io, name_ + ": the cdb file is corrupt");
      std::string value(data, cdb_datalen(&local));
      if (!value.empty() && value.back() == '\0') value.pop_back();
      return std::optional<std::string>(std::move(value));
    }
    return std::optional<std::string>();
  }
  const std::string& name() const noexcept override { return name_; }
  std::size_t size() const noexcept override { return records_; }

 private:
  std::string name_;
  struct cdb db_ {};
  bool mapped_ = false;
  std::size_t records_ = 0;
};

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::io, path.string() + ": " + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return make_error(Errc::io, path.string() + ": read error");
  return text;
}

}  // namespace

bool is_file_table(std::string_view spec) { return spec.starts_with("texthash:") || spec.starts_with("cdb:"); }

Result<std::shared_ptr<const LookupTable>> texthash_from_text(std::string_view text, std::string name) {
  auto entries = parse_postfix_text(text, name.substr(name.find(':') + 1));
  if (!entries) return tl::unexpected(entries.error());
  return std::shared_ptr<const LookupTable>(std::make_shared<TextHashTable>(std::move(name), std::move(*entries)));
}

Result<std::shared_ptr<const LookupTable>> open_file_table(std::string_view spec, const std::filesystem::path& base_dir) {
  auto colon = spec.find(':');
  if (colon == std::string_view::npos || colon + 1 == spec.size()) {
    return make_error(Errc::syntax, "'" + std::string(spec) + "' must be TYPE:PATH (texthash:PATH or cdb:PATH)");
  }
  std::string_view type = spec.substr(0, colon);
  std::filesystem::path path = base_dir / std::filesystem::path(spec.substr(colon + 1));
  if (type == "texthash") {
    auto text = read_file(path);
    if (!text) return tl::unexpected(text.error());
    auto entries = parse_postfix_text(*text, path.string());
    if (!entries) return tl::unexpected(entries.error());
    return std::shared_ptr<const LookupTable>(std::make_shared<TextHashTable>(std::string(spec), std::move(*entries)));
  }
  if (type == "cdb") {
    // postmap cdb:PATH writes PATH.cdb; the table is named by PATH, as in main.cf.
    auto table = std::make_shared<CdbTable>(std::string(spec));
    std::filesystem::path file = path;
    file += ".cdb";
    if (auto opened = table->open(file); !opened) return tl::unexpected(opened.error());
    return std::shared_ptr<const LookupTable>(std::move(table));
  }
  return make_error(Errc::unsupported, "table type '" + std::string(type) + "' in '" + std::string(spec) +
                                           "' is not supported (texthash: or cdb:)");
}

}  // namespace dnsauth::tables
