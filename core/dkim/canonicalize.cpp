#include "core/dkim/canonicalize.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DNSAUTH_CANON_X86 1
#include <immintrin.h>
#else
#define DNSAUTH_CANON_X86 0
#endif

#include "core/common/ascii.h"

namespace dnsauth::dkim {

namespace {

inline bool is_wsp(char c) { return c == ' ' || c == '\t'; }
inline bool is_wsp_or_eol(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Spans at least this long are hashed where they lie; shorter ones are gathered in the block,
// since every hash update has a fixed cost.
constexpr std::size_t kDirectHash = 512;

// Pending empty lines are emitted from here, many at a time.
constexpr std::string_view kCrlfs =
    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";

// Relaxed body canonicalization (3.4.4) changes nothing but whitespace, so a body byte is
// kept as it is unless it starts an edit: an HTAB, or an SP followed by SP, HTAB or CR (a run
// to shorten, or whitespace that may end the line). With q + 1 == end the successor is in
// the next chunk: an SP there is left for later. A CR is never an edit, not even at the end of
// a chunk: no CRLF is split across chunks (the contract in canonicalize.h).
inline bool relaxed_edit_at(const char* q, const char* end) {
  char c = *q;
  if (c == '\t') return true;
  if (c == ' ') {
    if (q + 1 == end) return true;
    char d = q[1];
    return d == ' ' || d == '\t' || d == '\r';
  }
  return false;
}

// The content kernel's vector steps: copy kWidth bytes, and a bit mask of the positions
// among them where an edit starts (each byte is tested together with its successor, read by
// a second load one byte on).
#if DNSAUTH_CANON_X86
struct Sse2Step {
  static constexpr std::ptrdiff_t kWidth = 16;
  static void copy(char* o, const char* p) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o), _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static unsigned edits(const char* p) {
    const __m128i sp = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t'), cr = _mm_set1_epi8('\r');
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));
    __m128i next_ws = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(b, sp), _mm_cmpeq_epi8(b, tab)),
                                   _mm_cmpeq_epi8(b, cr));
    __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(a, tab), _mm_and_si128(_mm_cmpeq_epi8(a, sp), next_ws));
    return static_cast<unsigned>(_mm_movemask_epi8(hit));
  }
};
struct Avx2Step {
  static constexpr std::ptrdiff_t kWidth = 32;
  __attribute__((target("avx2"))) static void copy(char* o, const char* p) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  __attribute__((target("avx2"))) static unsigned edits(const char* p) {
    const __m256i sp = _mm256_set1_epi8(' '), tab = _mm256_set1_epi8('\t'), cr = _mm256_set1_epi8('\r');
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 1));
    __m256i next_ws = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(b, sp), _mm256_cmpeq_epi8(b, tab)),
                                      _mm256_cmpeq_epi8(b, cr));
    __m256i hit = _mm256_or_si256(_mm256_cmpeq_epi8(a, tab), _mm256_and_si256(_mm256_cmpeq_epi8(a, sp), next_ws));
    return static_cast<unsigned>(_mm256_movemask_epi8(hit));
  }
};
#else
struct ScalarStep {  // no vector step: byte by byte
  static constexpr std::ptrdiff_t kWidth = 0;
};
#endif

// p is at a WSP run that starts an edit, inside content: 3.4.4 makes it one SP, or nothing
// when it ends the line. Returns the end of the run.
inline const char* relaxed_wsp_run(const char* p, char*& o) {
  const char* r = p + 1;
  while (is_wsp(*r)) ++r;
  if (!(r[0] == '\r' && r[1] == '\n')) *o++ = ' ';
  return r;
}

// Writes the relaxed form of [p, end) to out, stopping once out reaches out_stop (a vector
// store may run up to kWidth bytes past it). end[-1] must be content (not WSP, CR or LF): then
// every WSP run and the CRLF test after it lie inside [p, end), and every line end in it is
// followed by content, so none of them is trailing. Returns where it stopped in the input.
template <class Step>
const char* copy_relaxed(const char* p, const char* end, char*& out, const char* out_stop) {
  char* o = out;
  while (p < end && o < out_stop) {
    if constexpr (Step::kWidth > 0) {
      if (end - p > Step::kWidth) {
        Step::copy(o, p);
        unsigned m = Step::edits(p);
        if (m == 0) {
          p += Step::kWidth;
          o += Step::kWidth;
          continue;
        }
        unsigned k = static_cast<unsigned>(__builtin_ctz(m));
        p = relaxed_wsp_run(p + k, o += k);
        continue;
      }
    }
    if (relaxed_edit_at(p, end))
      p = relaxed_wsp_run(p, o);
    else
      *o++ = *p++;
  }
  out = o;
  return p;
}

#if DNSAUTH_CANON_X86
__attribute__((target("avx2"), flatten)) const char* copy_relaxed_avx2(const char* p, const char* end, char*& out,
                                                                      const char* out_stop) {
  return copy_relaxed<Avx2Step>(p, end, out, out_stop);
}
// Evaluated during static initialization, possibly before libgcc's own CPU detection ran.
const bool kHaveAvx2 = (__builtin_cpu_init(), __builtin_cpu_supports("avx2"));
#endif

const char* copy_relaxed_best(const char* p, const char* end, char*& out, const char* out_stop) {
#if DNSAUTH_CANON_X86
  if (kHaveAvx2) return copy_relaxed_avx2(p, end, out, out_stop);
  return copy_relaxed<Sse2Step>(p, end, out, out_stop);
#else
  return copy_relaxed<ScalarStep>(p, end, out, out_stop);
#endif
}

}  // namespace

void canonicalize_header(Canon canon, std::string_view raw, std::string& out) {
  if (canon == Canon::simple) {  // 3.4.1: no change at all
    out.append(raw);
    return;
  }
  // 3.4.2 relaxed. The result is never longer than the field plus ":" and CRLF, so it is
  // written into room made up front.
  auto colon = raw.find(':');
  if (colon == std::string_view::npos) colon = raw.size();
  std::size_t name_end = colon;
  while (name_end > 0 && is_wsp(raw[name_end - 1])) --name_end;
  const std::size_t base = out.size();
  out.resize(base + raw.size() + 3);
  char* o = out.data() + base;
  for (std::size_t i = 0; i < name_end; ++i) {
    char c = raw[i];
    *o++ = ascii::lower(c);
  }
  *o++ = ':';
  bool wsp = false, content = false;
  for (std::size_t i = colon + 1; i < raw.size(); ++i) {
    char c = raw[i];
    // Unfolding removes CRLF pairs only (RFC 5322 2.2.3); a bare CR or LF in the value is
    // content and stays, as every other verifier keeps it.
    if (c == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') {
      ++i;
      continue;
    }
    if (is_wsp(c)) {
      wsp = true;
      continue;
    }
    if (wsp && content) *o++ = ' ';
    wsp = false;
    content = true;
    *o++ = c;
  }
  *o++ = '\r';
  *o++ = '\n';
  out.resize(static_cast<std::size_t>(o - out.data()));
}

BodyHasher::BodyHasher(Canon canon, std::optional<std::uint64_t> length_limit)
    : canon_(canon), limit_(length_limit) {}

void BodyHasher::hash_out(const char* p, std::size_t n) {
  total_ += n;
  if (limit_) {
    if (hashed_ >= *limit_) return;
    n = static_cast<std::size_t>(std::min<std::uint64_t>(n, *limit_ - hashed_));
  }
  hashed_ += n;
  if (tap_) tap_->append(p, n);
  hash_.update(std::string_view(p, n));
}

void BodyHasher::flush_block() {
  if (block_len_) hash_out(block_, block_len_);
  block_len_ = 0;
}

inline void BodyHasher::emit(const char* p, std::size_t n) {
  if (n >= kDirectHash) {  // long spans go straight to the hash, no copy
    flush_block();
    hash_out(p, n);
    return;
  }
  if (block_len_ + n > kBlock) flush_block();
  std::memcpy(block_ + block_len_, p, n);
  block_len_ += n;
}

// Content follows the deferred line ends, so none of them was trailing.
inline void BodyHasher::emit_pending_crlfs() {
  while (pending_crlf_) {
    std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(pending_crlf_, kCrlfs.size() / 2));
    emit(kCrlfs.data(), 2 * k);
    pending_crlf_ -= k;
  }
}

inline void BodyHasher::verbatim(const char* p, std::size_t n) {
  const char* end = p + n;
  const char* s = p;
  while (end - s >= 2 && s[0] == '\r' && s[1] == '\n') s += 2;
  if (s > p) pending_wsp_ = false;  // relaxed: WSP at the end of a line is ignored
  if (s == end) {                   // nothing but line ends: all of them may be trailing
    pending_crlf_ += static_cast<std::uint64_t>(end - p) / 2;
    return;
  }
  // Empty lines are only known not to be trailing (3.4.3, 3.4.4) once content follows them;
  // the CRLFs that end this span wait for the next content in the same way.
  const char* e = end;
  while (e - s >= 2 && e[-2] == '\r' && e[-1] == '\n') e -= 2;
  emit_pending_crlfs();
  if (pending_wsp_) {  // relaxed: a WSP run inside the line becomes one SP
    pending_wsp_ = false;
    emit(" ", 1);
  }
  emit(p, static_cast<std::size_t>(e - p));
  any_content_ = true;
  pending_crlf_ = static_cast<std::uint64_t>(end - e) / 2;
}

void BodyHasher::update(std::string_view chunk) {
  if (chunk.empty()) return;
  if (canon_ == Canon::simple)
    update_simple(chunk.data(), chunk.size());
  else
    update_relaxed(chunk.data(), chunk.size());
}

// 3.4.3: the body as it is, except the empty lines at its end. Bare CR and bare LF are
// ordinary content.
void BodyHasher::update_simple(const char* p, std::size_t n) { verbatim(p, n); }

// 3.4.4. The chunk up to its last byte that is not WSP, CR or LF goes through the content
// kernel; what follows (whitespace and line ends whose fate depends on the next chunk) goes
// through the general loop, which defers it.
void BodyHasher::update_relaxed(const char* p, std::size_t n) {
  const char* end = p + n;
  if (pending_wsp_) {  // the previous chunk ended inside a WSP run
    while (p < end && is_wsp(*p)) ++p;
  }
  const char* tail = end;
  while (tail > p && is_wsp_or_eol(tail[-1])) --tail;
  if (tail > p) relaxed_content(p, tail);
  relaxed_general(tail, end);
}

// [p, end) ends in content, so what is pending survives: the deferred line ends, and a WSP
// run unless this span starts by ending its line.
void BodyHasher::relaxed_content(const char* p, const char* end) {
  emit_pending_crlfs();
  if (pending_wsp_) {  // p[1] exists: end[-1] is not CR
    pending_wsp_ = false;
    if (!(p[0] == '\r' && p[1] == '\n')) emit(" ", 1);
  }
  any_content_ = true;
  while (p < end) {
    if (block_len_ >= kBlock) flush_block();
    char* o = block_ + block_len_;
    p = copy_relaxed_best(p, end, o, block_ + kBlock);
    block_len_ = static_cast<std::size_t>(o - block_);
  }
}

// Any input, at a byte or so per step: used for the chunk's trailing whitespace and line ends.
void BodyHasher::relaxed_general(const char* p, const char* end) {
  while (p < end) {
    const char* q = p;
    while (q < end && !relaxed_edit_at(q, end)) ++q;
    if (q > p) verbatim(p, static_cast<std::size_t>(q - p));
    p = q;
    if (p == end) break;
    while (p < end && is_wsp(*p)) ++p;  // reduced to one SP, unless it ends the line
    pending_wsp_ = true;
  }
}

std::string BodyHasher::finish() {
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

// One chunk holds the whole body, so no CRLF is split (the hasher's contract holds).
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
