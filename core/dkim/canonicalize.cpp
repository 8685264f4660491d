#include "core/dkim/canonicalize.h"

#include <cstring>

namespace dnsauth::dkim {

namespace {

inline bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// Bytes that end a run of ordinary line content in relaxed body canonicalization.
struct SpecialTable {
  bool v[256] = {};
  SpecialTable() { v[' '] = v['\t'] = v['\r'] = v['\n'] = true; }
};
const SpecialTable kSpecial;

}  // namespace

void canonicalize_header(Canon canon, std::string_view raw, std::string& out) {
  if (canon == Canon::simple) {  // 3.4.1: no change at all
    out.append(raw);
    return;
  }
  // 3.4.2 relaxed.
  auto colon = raw.find(':');
  if (colon == std::string_view::npos) colon = raw.size();
  std::size_t name_end = colon;
  while (name_end > 0 && is_wsp(raw[name_end - 1])) --name_end;
  for (std::size_t i = 0; i < name_end; ++i) {
    char c = raw[i];
    out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c);
  }
  out.push_back(':');
  bool wsp = false, content = false;
  for (std::size_t i = colon + 1; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\r' || c == '\n') continue;  // unfold
    if (is_wsp(c)) {
      wsp = true;
      continue;
    }
    if (wsp && content) out.push_back(' ');
    wsp = false;
    content = true;
    out.push_back(c);
  }
  out += "\r\n";
}

BodyHasher::BodyHasher(Canon canon, std::optional<std::uint64_t> length_limit)
    : canon_(canon), limit_(length_limit) {}

void BodyHasher::flush_block() {
  if (block_len_) hash_.update(std::string_view(block_, block_len_));
  block_len_ = 0;
}

void BodyHasher::emit(const char* p, std::size_t n) {
  total_ += n;
  if (limit_) {
    if (hashed_ >= *limit_) return;
    n = static_cast<std::size_t>(std::min<std::uint64_t>(n, *limit_ - hashed_));
  }
  hashed_ += n;
  if (tap_) tap_->append(p, n);
  if (n >= sizeof block_ / 2) {  // large runs go straight to the hash, no copy
    flush_block();
    hash_.update(std::string_view(p, n));
    return;
  }
  if (block_len_ + n > sizeof block_) flush_block();
  std::memcpy(block_ + block_len_, p, n);
  block_len_ += n;
}

void BodyHasher::content(const char* p, std::size_t n) {
  // Empty lines are only known not to be trailing (3.4.3, 3.4.4) once content follows them.
  while (pending_crlf_) {
    emit("\r\n", 2);
    --pending_crlf_;
  }
  if (pending_wsp_) {  // relaxed: a WSP run inside the line becomes one SP
    pending_wsp_ = false;
    emit(" ", 1);
  }
  emit(p, n);
  any_content_ = true;
  line_open_ = true;
}

void BodyHasher::end_line() {
  pending_wsp_ = false;  // relaxed: WSP at the end of a line is ignored
  line_open_ = false;
  ++pending_crlf_;
}

void BodyHasher::update(std::string_view chunk) {
  if (canon_ == Canon::simple)
    update_simple(chunk.data(), chunk.size());
  else
    update_relaxed(chunk.data(), chunk.size());
}

void BodyHasher::update_simple(const char* p, std::size_t n) {
  if (n == 0) return;
  if (pending_cr_) {
    pending_cr_ = false;
    if (*p == '\n') {
      end_line();
      ++p;
      --n;
    } else {
      content("\r", 1);  // a bare CR is ordinary content
    }
  }
  while (n) {
    const char* lf = static_cast<const char*>(std::memchr(p, '\n', n));
    if (!lf) {
      std::size_t m = n;
      if (p[m - 1] == '\r') {  // may be the first half of a CRLF split across chunks
        pending_cr_ = true;
        --m;
      }
      if (m) content(p, m);
      return;
    }
    std::size_t len = static_cast<std::size_t>(lf - p);
    if (len > 0 && lf[-1] == '\r') {
      if (len > 1) content(p, len - 1);
      end_line();
    } else {
      content(p, len + 1);  // a bare LF is content too (input is CRLF form)
    }
    p = lf + 1;
    n -= len + 1;
  }
}

void BodyHasher::update_relaxed(const char* p, std::size_t n) {
  const char* end = p + n;
  while (p < end) {
    if (pending_cr_) {
      pending_cr_ = false;
      if (*p == '\n') {
        end_line();
        ++p;
        continue;
      }
      content("\r", 1);
    }
    // A run of ordinary bytes.
    const char* run = p;
    while (p < end && !kSpecial.v[static_cast<unsigned char>(*p)]) ++p;
    if (p > run) content(run, static_cast<std::size_t>(p - run));
    if (p == end) break;
    char c = *p;
    if (is_wsp(c)) {
      pending_wsp_ = true;  // 3.4.4: reduce the run to one SP, unless it ends the line
      ++p;
    } else if (c == '\r') {
      if (p + 1 == end) {
        pending_cr_ = true;
        ++p;
      } else if (p[1] == '\n') {
        end_line();
        p += 2;
      } else {
        content("\r", 1);
        ++p;
      }
    } else {  // bare LF
      content("\n", 1);
      ++p;
    }
  }
}

std::string BodyHasher::finish() {
  if (pending_cr_) {
    pending_cr_ = false;
    content("\r", 1);
  }
  if (canon_ == Canon::simple) {
    // 3.4.3: trailing empty lines are dropped, the body ends in exactly one CRLF, and an
    // empty body becomes a single CRLF.
    emit("\r\n", 2);
  } else if (any_content_) {
    // 3.4.4: same, except that an empty body stays empty ("If the body is non-empty but
    // does not end with a CRLF, a CRLF is added").
    emit("\r\n", 2);
  }
  pending_crlf_ = 0;
  flush_block();
  return hash_.finish();
}

std::string canonicalize_body(Canon canon, std::string_view body) {
  std::string out;
  BodyHasher h(canon);
  h.tap(&out);
  h.update(body);
  h.finish();
  return out;
}

std::string body_hash(Canon canon, std::string_view body, std::optional<std::uint64_t> length_limit) {
  BodyHasher h(canon, length_limit);
  h.update(body);
  return h.finish();
}

}  // namespace dnsauth::dkim
