#include "core/tables/postfix_tables.h"

#include <cdb.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <vector>

#include "core/common/file.h"
#include "core/tables/postfix_text.h"

namespace dnsauth::tables {

namespace {

// texthash: the text itself, its keys folded in place, indexed by an open-addressing hash table
// of entry numbers: a million-line login map takes the size of its text plus 28 bytes an
// entry, built in one pass without copying the text (a node-based map took six allocations
// and some 250 bytes an entry, and most of a start's time in malloc). Entries joined from
// continuation lines, which are not in the text as one piece, are copied to a side buffer.
class TextHashTable final : public LookupTable {
 public:
  explicit TextHashTable(std::string name) : name_(std::move(name)) {}

  // Reads `text` (entries in Postfix's source format); a duplicate key is the error Postfix's
  // smtpd would fail the table with.
  Result<void> build(std::string text, std::string_view source) {
    if (text.size() >= std::numeric_limits<std::uint32_t>::max() / 2) {
      return make_error(Errc::limit, std::string(source) + ": over 2 GiB; use cdb: for a table this large");
    }
    text_ = std::move(text);
    // At most one entry per line: a table of twice as many slots never grows while it is built.
    std::size_t lines = static_cast<std::size_t>(std::count(text_.begin(), text_.end(), '\n')) + 1;
    std::size_t slots = 16;
    while (slots < 2 * lines) slots *= 2;
    slots_.assign(slots, kEmpty);
    entries_.reserve(lines);
    const char* begin = text_.data();
    std::string written;
    auto r = for_each_postfix_entry(text_, source, [&](std::string_view key, std::string_view value, int line) -> Result<void> {
      Entry e{place(key, begin), static_cast<std::uint32_t>(key.size()), place(value, begin),
              static_cast<std::uint32_t>(value.size()), line};
      written.assign(key);  // the key as written, for a duplicate's message (folded below)
      char* k = at(e.key_at);
      for (std::size_t i = 0; i < e.key_len; ++i)
        if (k[i] >= 'A' && k[i] <= 'Z') k[i] = static_cast<char>(k[i] - 'A' + 'a');
      std::uint32_t& slot = slots_[slot_of(view(e.key_at, e.key_len))];
      if (slot != kEmpty) return tl::unexpected(duplicate_key_error(source, written, line, entries_[slot].line));
      slot = static_cast<std::uint32_t>(entries_.size());
      entries_.push_back(e);
      return {};
    });
    return r;
  }

  Result<std::optional<std::string>> find(std::string_view key) const override {
    std::uint32_t slot = slots_[slot_of(fold_key(key))];
    if (slot == kEmpty) return std::optional<std::string>();
    const Entry& e = entries_[slot];
    return std::optional<std::string>(std::string(view(e.value_at, e.value_len)));
  }
  const std::string& name() const noexcept override { return name_; }
  std::size_t size() const noexcept override { return entries_.size(); }

 private:
  static constexpr std::uint32_t kEmpty = std::numeric_limits<std::uint32_t>::max();
  // Offsets below text_.size() are into text_, the others into joined_ (after text_).
  struct Entry {
    std::uint32_t key_at, key_len, value_at, value_len;
    int line;  // for a duplicate's message
  };
  std::uint32_t place(std::string_view piece, const char* begin) {
    if (piece.data() >= begin && piece.data() + piece.size() <= begin + text_.size())
      return static_cast<std::uint32_t>(piece.data() - begin);
    auto at = static_cast<std::uint32_t>(text_.size() + joined_.size());
    joined_.append(piece);
    return at;
  }
  char* at(std::uint32_t offset) {
    return offset < text_.size() ? text_.data() + offset : joined_.data() + (offset - text_.size());
  }
  std::string_view view(std::uint32_t offset, std::uint32_t length) const {
    return {offset < text_.size() ? text_.data() + offset : joined_.data() + (offset - text_.size()), length};
  }
  // The slot holding `folded`, or the empty slot where it would go (linear probing; the table
  // is never more than half full).
  std::size_t slot_of(std::string_view folded) const {
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = std::hash<std::string_view>{}(folded) & mask;; i = (i + 1) & mask) {
      if (slots_[i] == kEmpty) return i;
      const Entry& e = entries_[slots_[i]];
      if (view(e.key_at, e.key_len) == folded) return i;
    }
  }

  std::string name_;
  std::string text_;    // the table's text, keys folded in place
  std::string joined_;  // keys and values of entries joined from continuation lines
  std::vector<Entry> entries_;
  std::vector<std::uint32_t> slots_;
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

}  // namespace

bool is_file_table(std::string_view spec) { return spec.starts_with("texthash:") || spec.starts_with("cdb:"); }

Result<std::shared_ptr<const LookupTable>> texthash_from_text(std::string_view text, std::string name) {
  std::string source = name.substr(name.find(':') + 1);
  auto table = std::make_shared<TextHashTable>(std::move(name));
  if (auto built = table->build(std::string(text), source); !built) return tl::unexpected(built.error());
  return std::shared_ptr<const LookupTable>(std::move(table));
}

Result<std::shared_ptr<const LookupTable>> open_file_table(std::string_view spec, const std::filesystem::path& base_dir) {
  auto colon = spec.find(':');
  if (colon == std::string_view::npos || colon + 1 == spec.size()) {
    return make_error(Errc::syntax, "'" + std::string(spec) + "' must be TYPE:PATH (texthash:PATH or cdb:PATH)");
  }
  std::string_view type = spec.substr(0, colon);
  std::filesystem::path path = base_dir / std::filesystem::path(spec.substr(colon + 1));
  if (type == "texthash") {
    auto text = read_whole_file(path);
    if (!text) return make_error(Errc::io, path.string() + ": " + text.error().detail);
    auto table = std::make_shared<TextHashTable>(std::string(spec));
    if (auto built = table->build(std::move(*text), path.string()); !built) return tl::unexpected(built.error());
    return std::shared_ptr<const LookupTable>(std::move(table));
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
