#include "core/mail/message.h"

#include <algorithm>

namespace dnsauth::mail {

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// RFC 5322 3.6.8: ftext is printable US-ASCII except colon. We accept that set only for the
// name, but anything at all after the colon (RFC 6532 allows UTF-8; legacy mail carries
// arbitrary 8-bit bytes and DKIM must sign them as they are).
bool is_ftext(unsigned char c) { return c >= 33 && c <= 126 && c != ':'; }

// RFC 6376 5.3 (line_ends.h); a field always ends in CRLF, and a CR that ends the text is
// taken for the line end it was meant to be.
std::string field_in_crlf_form(std::string_view in) {
  std::string out;
  out.reserve(in.size() + 8);
  append_crlf_form(out, in);
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) {
    if (!out.empty() && out.back() == '\r') out.pop_back();
    out += "\r\n";
  }
  return out;
}

// An mbox "From " separator line is not part of the message. "From  : ..." is not one: it
// is the From field with WSP before the colon (RFC 5322 4.5.2 obs-from, example A.6.3).
bool is_mbox_separator(std::string_view line) {
  if (line.substr(0, 5) != "From ") return false;
  std::size_t i = 4;
  while (i < line.size() && is_wsp(line[i])) ++i;
  return i == line.size() || line[i] != ':';
}

}  // namespace

Result<HeaderField> HeaderField::from_raw(std::string raw) {
  HeaderField f;
  f.raw_ = field_in_crlf_form(raw);
  auto colon = f.raw_.find(':');
  if (colon == std::string::npos) return make_error(Errc::syntax, "header field has no colon", 0);
  std::size_t end = colon;
  // RFC 5322 4.5 (obsolete syntax): WSP may stand between the name and the colon.
  while (end > 0 && is_wsp(f.raw_[end - 1])) --end;
  if (end == 0) return make_error(Errc::syntax, "header field name is empty", 0);
  for (std::size_t i = 0; i < end; ++i) {
    if (!is_ftext(static_cast<unsigned char>(f.raw_[i]))) {
      return make_error(Errc::syntax, "invalid character in header field name", i);
    }
  }
  f.colon_ = colon;
  f.name_end_ = end;
  return f;
}

Result<HeaderField> HeaderField::from_parts(std::string_view name, std::string_view value) {
  std::string raw;
  raw.reserve(name.size() + value.size() + 3);
  raw.append(name).push_back(':');
  raw.append(value);
  // The value comes without its line end: a CR at its end is content (as in a field read
  // whole, "X: y\r\r\n"), not a line end cut short, so the field's own CRLF is added here.
  raw.append("\r\n");
  return from_raw(std::move(raw));
}

std::string_view HeaderField::name() const noexcept {
  return std::string_view(raw_).substr(0, name_end_);
}

std::string_view HeaderField::value() const noexcept {
  std::string_view v(raw_);
  v.remove_prefix(colon_ + 1);
  v.remove_suffix(2);  // the final CRLF, always present
  return v;
}

std::string HeaderField::unfolded_value() const {
  std::string out;
  std::string_view v = value();
  out.reserve(v.size());
  for (char c : v)
    if (c != '\r' && c != '\n') out.push_back(c);
  auto first = out.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  auto last = out.find_last_not_of(" \t");
  return out.substr(first, last - first + 1);
}

std::string_view to_string(Limit limit) noexcept {
  switch (limit) {
    case Limit::field_bytes: return "max_field_bytes";
    case Limit::fields: return "max_fields";
    case Limit::header_bytes: return "max_header_bytes";
  }
  return "?";
}

namespace {

Result<void> already_failed() { return make_error(Errc::syntax, "parser already failed"); }

}  // namespace

// Only the first limit crossed is reported; the call under way returns it once it has consumed
// its input (take_limit_error).
void MessageParser::exceed(Limit limit, std::size_t offset) {
  if (exceeded_) return;
  exceeded_ = limit;
  std::string detail;
  switch (limit) {
    case Limit::field_bytes:
      detail = "header field larger than " + std::to_string(limits_.max_field_bytes) + " bytes";
      break;
    case Limit::fields:
      detail = "more than " + std::to_string(limits_.max_fields) + " header fields";
      break;
    case Limit::header_bytes:
      detail = "header section larger than " + std::to_string(limits_.max_header_bytes) + " bytes";
      break;
  }
  limit_error_ = Error{Errc::limit, detail + " (" + std::string(to_string(limit)) + ")", offset};
}

Result<void> MessageParser::take_limit_error() {
  if (!limit_error_) return {};
  Error e = std::move(*limit_error_);
  limit_error_.reset();
  return tl::unexpected(std::move(e));
}

// A call that fails after crossing a limit reports the limit: errors come in the order of the
// bytes, whatever the chunking (fed whole, the limit and the later syntax error are one call;
// fed in pieces, the limit's call ends first). The parser has failed all the same, and the
// next call says so.
Result<void> MessageParser::after_limit_error(Result<void> failure) {
  if (limit_error_) return take_limit_error();
  return failure;
}

// A whole field, read (feed) or given (field): to the sink, or past a limit to
// header_past_limit. A malformed one fails the parse.
Result<void> MessageParser::pass_on(Result<HeaderField> f, std::size_t offset, std::size_t length) {
  if (!f) {
    failed_ = true;
    Error e = f.error();
    e.offset = offset + (e.offset == Error::no_offset ? 0 : e.offset);
    return tl::unexpected(e);
  }
  if (!exceeded_ && fields_ >= limits_.max_fields) exceed(Limit::fields, offset);
  if (exceeded_) {
    sink_.header_past_limit(std::move(*f));
  } else {
    ++fields_;
    sink_.header_at(std::move(*f), offset, length);
  }
  return {};
}

Result<void> MessageParser::flush_field() {
  if (field_.empty()) return {};
  std::string raw = std::move(field_);
  field_.clear();
  const std::size_t length = raw.size();
  return pass_on(HeaderField::from_raw(std::move(raw)), field_offset_, length);
}

// Whether the header line being assembled may grow by `piece` (the rest of the line, or all of
// the chunk when the line goes on): false when its field would pass max_field_bytes, which is
// then not kept. Checked before the bytes are stored, so a line without LF fails at once.
bool MessageParser::line_fits(std::string_view piece) {
  const std::size_t length = line_.size() + piece.size();
  const char first = line_.empty() ? piece.front() : line_.front();
  if (length <= 2) {  // the blank line that ends the section, or its start, counts for nothing
    const char second = length < 2 ? '\0' : line_.size() == 2 ? line_[1] : line_.size() == 1 ? piece[0] : piece[1];
    if ((length == 1 && (first == '\r' || first == '\n')) || (first == '\r' && second == '\n')) return true;
  }
  const std::size_t line_start = offset_ - line_.size();
  const bool continuation = is_wsp(first) && !field_.empty();
  const std::size_t field_start = continuation ? field_offset_ : line_start;
  const std::size_t field_length = (continuation ? field_.size() : 0) + length;
  return within_limits(field_start, field_length, line_start, length);
}

// A piece that crosses both the field and the section limit reports the one its bytes cross
// first, so that the same bytes give the same limit however they are chunked. False when the
// field is over its limit (it is not kept).
bool MessageParser::within_limits(std::size_t field_start, std::size_t field_length, std::size_t start,
                                  std::size_t length) {
  const bool field_over = field_length > limits_.max_field_bytes;
  const std::size_t field_at = field_start + limits_.max_field_bytes;
  if (!exceeded_ && header_bytes_ + length > limits_.max_header_bytes) {
    const std::size_t section_at = start + (limits_.max_header_bytes - header_bytes_);
    if (!field_over || section_at <= field_at) exceed(Limit::header_bytes, section_at);
  }
  if (field_over) exceed(Limit::field_bytes, field_at);
  return !field_over;
}

Result<void> MessageParser::header_line(std::string line) {
  // line includes its line end (LF or CRLF) unless it is the unterminated last line.
  std::size_t line_offset = offset_ - line.size();
  std::string_view content(line);
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r'))
    content.remove_suffix(1);
  if (first_line_) {
    first_line_ = false;
    if (is_mbox_separator(content)) {
      header_bytes_ += line.size();
      return {};
    }
  }
  if (content.empty()) {  // the blank line ending the header section
    if (auto r = flush_field(); !r) return r;
    in_body_ = true;
    sink_.end_of_headers();
    return {};
  }
  header_bytes_ += line.size();
  if (is_wsp(content.front())) {
    if (field_.empty()) {
      failed_ = true;
      return make_error(Errc::syntax, "continuation line before any header field", line_offset);
    }
    field_ += line;
    return {};
  }
  if (auto r = flush_field(); !r) return r;
  if (content.find(':') == std::string_view::npos) {
    failed_ = true;
    return make_error(Errc::syntax, "header line has no colon and is not a continuation",
                      line_offset);
  }
  field_ = std::move(line);
  field_offset_ = line_offset;
  return {};
}

void MessageParser::body_bytes(std::string_view chunk) {
  offset_ += chunk.size();
  normalizer_.feed(chunk, [this](std::string_view normalized) { sink_.body(normalized); });
}

Result<void> MessageParser::feed(std::string_view chunk) {
  if (failed_) return already_failed();
  std::size_t i = 0;
  while (i < chunk.size()) {
    if (in_body_) {
      body_bytes(chunk.substr(i));
      break;
    }
    if (skipping_ && !skip_in_line_) {  // a line starts: a continuation of the skipped field?
      skip_in_line_ = is_wsp(chunk[i]);
      skipping_ = skip_in_line_;
    }
    auto lf = chunk.find('\n', i);
    const std::size_t end = lf == std::string_view::npos ? chunk.size() : lf + 1;
    const std::string_view piece = chunk.substr(i, end - i);
    if (skipping_) {
      offset_ += piece.size();
      skip_in_line_ = lf == std::string_view::npos;
      i = end;
      continue;
    }
    // A line that does not start with WSP ends the field before it: pass that on now, so
    // that a field never waits in memory beside the next one.
    if (line_.empty() && !is_wsp(piece.front())) {
      if (auto r = flush_field(); !r) return after_limit_error(std::move(r));
    }
    if (!line_fits(piece)) {
      line_.clear();
      field_.clear();  // a continuation's field goes with it; any other was passed on above
      first_line_ = false;
      skipping_ = true;
      skip_in_line_ = lf == std::string_view::npos;
      offset_ += piece.size();
      i = end;
      continue;
    }
    line_.append(piece);
    offset_ += piece.size();
    i = end;
    if (lf == std::string_view::npos) break;
    std::string line = std::move(line_);
    line_.clear();
    if (auto r = header_line(std::move(line)); !r) return after_limit_error(std::move(r));
  }
  return take_limit_error();
}

Result<void> MessageParser::field(std::string_view name, std::string_view value) {
  if (failed_) return already_failed();
  if (in_body_) return make_error(Errc::invalid_argument, "header field after the end of the header section");
  if (!line_.empty() || skipping_) {
    return make_error(Errc::invalid_argument, "header field while feed() is inside a header line");
  }
  if (auto r = flush_field(); !r) return r;  // one that feed() left complete
  const std::size_t length = name.size() + 1 + value.size() + 2;
  const std::size_t offset = offset_;
  offset_ += length;
  first_line_ = false;
  if (!within_limits(offset, length, offset, length)) return take_limit_error();  // not even built
  header_bytes_ += length;
  if (auto r = pass_on(HeaderField::from_parts(name, value), offset, length); !r) return after_limit_error(std::move(r));
  return take_limit_error();
}

// The header section ends without (or before) its blank line.
Result<void> MessageParser::end_header_section() {
  skipping_ = skip_in_line_ = false;  // a skipped field ends with the section
  if (!line_.empty()) {
    std::string line = std::move(line_);
    line_.clear();
    if (auto r = header_line(std::move(line)); !r) return r;
  }
  if (!in_body_) {
    if (auto r = flush_field(); !r) return r;
    in_body_ = true;
    sink_.end_of_headers();
  }
  return {};
}

Result<void> MessageParser::end_of_headers() {
  if (failed_) return already_failed();
  if (in_body_) return make_error(Errc::invalid_argument, "the header section has already ended");
  if (auto r = end_header_section(); !r) return after_limit_error(std::move(r));
  return take_limit_error();
}

Result<void> MessageParser::body(std::string_view chunk) {
  if (failed_) return already_failed();
  if (!in_body_) return make_error(Errc::invalid_argument, "body before the end of the header section");
  body_bytes(chunk);
  return {};
}

Result<void> MessageParser::finish() {
  if (failed_) return already_failed();
  if (!in_body_) {
    if (auto r = end_header_section(); !r) return after_limit_error(std::move(r));
  }
  normalizer_.finish([this](std::string_view normalized) { sink_.body(normalized); });
  return take_limit_error();
}

std::vector<const HeaderField*> Message::fields(std::string_view name) const {
  std::vector<const HeaderField*> out;
  for (const auto& h : headers)
    if (h.is(name)) out.push_back(&h);
  return out;
}

std::string Message::serialize() const {
  std::string out;
  for (const auto& h : headers) out += h.raw();
  out += "\r\n";
  out += body;
  return out;
}

namespace {
struct Collector : MessageSink {
  Message& m;
  explicit Collector(Message& msg) : m(msg) {}
  void header(HeaderField f) override { m.headers.push_back(std::move(f)); }
  void body(std::string_view chunk) override { m.body.append(chunk); }
};
}  // namespace

Result<Message> parse_message(std::string_view bytes, const ParserLimits& limits) {
  Message m;
  Collector c(m);
  MessageParser p(c, limits);
  if (auto r = p.feed(bytes); !r) return tl::unexpected(r.error());
  if (auto r = p.finish(); !r) return tl::unexpected(r.error());
  return m;
}

}  // namespace dnsauth::mail
