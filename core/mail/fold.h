// Folding a header field we write (DKIM-Signature, Received-SPF, Authentication-Results):
// RFC 5322 2.1.1 says lines SHOULD be no more than 78 characters, and 2.2.3 lets a field
// body be split by inserting CRLF before any WSP ("folding"). The writer says where a field
// may break by the calls it makes: words that stay whole with a space between them, items
// glued to the one before, text that may break anywhere; the folder breaks a line only
// where it would pass the width, so unfolding (removing each CRLF) gives back exactly the
// text built.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dnsauth::mail {

struct FoldStyle {
  std::size_t width = 78;  // RFC 5322 2.1.1 SHOULD
  // The WSP that starts every continuation line (RFC 5322 2.2.3: CRLF then WSP).
  char wsp = '\t';
  // The columns that WSP takes: 1 counts characters, as RFC 5322 2.1.1 does; 8 reads a tab as
  // a terminal shows it.
  std::size_t wsp_columns = 1;
};

class FieldFolder {
 public:
  // The field starts as "name:" on the first line.
  explicit FieldFolder(std::string_view name, FoldStyle style = {});

  // A token that stays whole, after a space, or at the start of a new line when the space
  // and the token would pass the width. A token longer than a line gets a line of its own.
  void word(std::string_view token);
  // A token right after the text before it (an item after its list separator: DKIM h=
  // "from:to:"), or at the start of a new line when it would pass the width. Unfolding keeps
  // the fold's WSP, so this is only for places where the grammar allows FWS.
  void glue(std::string_view token);
  // `head` followed by `text` that may break anywhere (base64, where RFC 6376 3.5 ignores
  // FWS), after a space or a fold: on one line when a line can hold it; otherwise started on
  // this line when `head` and a few characters of `text` fit, and `text` filling each line.
  void breakable(std::string_view head, std::string_view text);
  // More of that breakable text, right after what is there, filling each line to the width.
  void fill(std::string_view text);
  // A new line here, whatever the column (one element per line). Nothing on a line that
  // holds only its WSP so far: a line of WSP alone would unfold to nothing (RFC 5322 3.2.2).
  void fold();
  // Text on this line, whatever the column.
  void append(std::string_view text);

  std::size_t column() const noexcept { return column_; }
  // "name:" and the field body so far, lines joined by CRLF + WSP, no final CRLF.
  const std::string& field() const noexcept { return out_; }
  // The field body so far: everything after "name:".
  std::string_view value() const noexcept { return std::string_view(out_).substr(name_size_ + 1); }

 private:
  FoldStyle style_;
  std::string out_;
  std::size_t name_size_;
  std::size_t column_;
  bool line_empty_ = false;  // a continuation line with nothing after its WSP yet
};

}  // namespace dnsauth::mail
