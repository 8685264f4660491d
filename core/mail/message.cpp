#include "core/mail/message.h"

#include <algorithm>

namespace dnsauth::mail {

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// RFC 5322 3.6.8: ftext is printable US-ASCII except colon. We accept that set only for the
// name, but anything at all after the colon (RFC 6532 allows UTF-8; legacy mail carries
// arbitrary 8-bit bytes and DKIM must sign them as they are).
bool is_ftext(unsigned char c) { return c >= 33 && c <= 126 && c != ':'; }

// Bare LF or bare CR followed by LF become CRLF; a final CRLF is ensured.
std::string normalize_crlf(std::string_view in) {
  std::string out;
  out.reserve(in.size() + 8);
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '\n' && (i == 0 || in[i - 1] != '\r')) out.push_back('\r');
    out.push_back(c);
  }
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
  f.raw_ = normalize_crlf(raw);
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

Result<void> MessageParser::flush_field() {
  if (field_.empty()) return {};
  const std::size_t length = field_.size();
  auto f = HeaderField::from_raw(std::move(field_));
  field_.clear();
  if (!f) {
    failed_ = true;
    Error e = f.error();
    e.offset = field_offset_ + (e.offset == Error::no_offset ? 0 : e.offset);
    return tl::unexpected(e);
  }
  sink_.header_at(std::move(*f), field_offset_, length);
  return {};
}

Result<void> MessageParser::header_line(std::string line) {
  // line includes its line end (LF or CRLF) unless it is the unterminated last line.
  std::size_t line_offset = offset_ - line.size();
  std::string_view content(line);
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r'))
    content.remove_suffix(1);
  if (first_line_) {
    first_line_ = false;
    if (is_mbox_separator(content)) return {};
  }
  if (content.empty()) {  // the blank line ending the header section
    if (auto r = flush_field(); !r) return r;
    in_body_ = true;
    sink_.end_of_headers();
    return {};
  }
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
  if (chunk.empty()) return;
  out_.clear();
  out_.reserve(chunk.size() + chunk.size() / 32 + 2);
  std::size_t start = 0;
  if (pending_cr_) {
    out_.push_back('\r');
    pending_cr_ = false;
    if (chunk.front() == '\n') {
      out_.push_back('\n');
      start = 1;
    }
  }
  std::size_t i = start;
  while (i < chunk.size()) {
    auto lf = chunk.find('\n', i);
    if (lf == std::string_view::npos) {
      std::string_view rest = chunk.substr(i);
      if (!rest.empty() && rest.back() == '\r') {  // may be half of a CRLF
        rest.remove_suffix(1);
        pending_cr_ = true;
      }
      out_.append(rest);
      break;
    }
    // A CR consumed from the previous chunk was handled above, so only this segment counts.
    bool had_cr = lf > i && chunk[lf - 1] == '\r';
    out_.append(chunk.substr(i, lf - i));
    if (!had_cr) out_.push_back('\r');
    out_.push_back('\n');
    i = lf + 1;
  }
  if (!out_.empty()) sink_.body(out_);
}

Result<void> MessageParser::feed(std::string_view chunk) {
  if (failed_) return make_error(Errc::syntax, "parser already failed");
  if (in_body_) {
    offset_ += chunk.size();
    body_bytes(chunk);
    return {};
  }
  std::size_t i = 0;
  while (i < chunk.size()) {
    auto lf = chunk.find('\n', i);
    if (lf == std::string_view::npos) {
      line_.append(chunk.substr(i));
      offset_ += chunk.size() - i;
      return {};
    }
    line_.append(chunk.substr(i, lf + 1 - i));
    offset_ += lf + 1 - i;
    i = lf + 1;
    std::string line = std::move(line_);
    line_.clear();
    if (auto r = header_line(std::move(line)); !r) return r;
    if (in_body_) {
      offset_ += chunk.size() - i;
      body_bytes(chunk.substr(i));
      return {};
    }
  }
  return {};
}

Result<void> MessageParser::finish() {
  if (failed_) return make_error(Errc::syntax, "parser already failed");
  if (!in_body_) {
    if (!line_.empty()) {
      std::string line = std::move(line_);
      line_.clear();
      if (auto r = header_line(std::move(line)); !r) return r;
    }
    if (!in_body_) {  // no blank line: a message with headers only and no body
      if (auto r = flush_field(); !r) return r;
      in_body_ = true;
      sink_.end_of_headers();
    }
  }
  if (pending_cr_) {
    pending_cr_ = false;
    sink_.body("\r");
  }
  return {};
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

Result<Message> parse_message(std::string_view bytes) {
  Message m;
  Collector c(m);
  MessageParser p(c);
  if (auto r = p.feed(bytes); !r) return tl::unexpected(r.error());
  if (auto r = p.finish(); !r) return tl::unexpected(r.error());
  return m;
}

}  // namespace dnsauth::mail
