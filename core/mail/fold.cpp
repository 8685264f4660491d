#include "core/mail/fold.h"

#include <algorithm>

namespace dnsauth::mail {

namespace {

// breakable(): text that cannot be whole on any line starts on the current one only when its
// head and this many characters of it fit there, so a line does not end in a bare "b=".
constexpr std::size_t kMinStart = 4;

}  // namespace

FieldFolder::FieldFolder(std::string_view name, FoldStyle style)
    : style_(style), out_(std::string(name) + ":"), name_size_(name.size()), column_(out_.size()) {}

void FieldFolder::word(std::string_view token) {
  if (column_ + 1 + token.size() > style_.width && !line_empty_) fold();
  else append(" ");
  append(token);
}

void FieldFolder::glue(std::string_view token) {
  if (column_ + token.size() > style_.width && !line_empty_) fold();
  append(token);
}

void FieldFolder::breakable(std::string_view head, std::string_view text) {
  const std::size_t whole = head.size() + text.size();
  const bool fits_here = column_ + 1 + whole <= style_.width;
  const bool fits_a_line = style_.wsp_columns + whole <= style_.width;
  const bool start_here = !fits_a_line && column_ + 1 + head.size() + kMinStart <= style_.width;
  if (fits_here || start_here || line_empty_) append(" ");
  else fold();
  append(head);
  fill(text);
}

void FieldFolder::fill(std::string_view text) {
  while (!text.empty()) {
    if (column_ >= style_.width) fold();
    std::size_t room = std::max<std::size_t>(1, style_.width > column_ ? style_.width - column_ : 0);
    append(text.substr(0, room));
    text.remove_prefix(std::min(room, text.size()));
  }
}

void FieldFolder::fold() {
  if (line_empty_) return;
  out_ += "\r\n";
  out_ += style_.wsp;
  column_ = style_.wsp_columns;
  line_empty_ = true;
}

void FieldFolder::append(std::string_view text) {
  out_ += text;
  column_ += text.size();
  if (!text.empty()) line_empty_ = false;
}

}  // namespace dnsauth::mail
