#include "core/dkim/signature.h"

#include <charconv>

#include "core/common/base64.h"
#include "core/dkim/tag_list.h"
#include "core/dns/name.h"
#include "core/mail/message.h"

namespace dnsauth::dkim {

namespace {

Error tag_error(Errc code, const Tag& tag, std::string what) {
  return Error{code, "tag " + std::string(tag.name) + "=: " + std::move(what), tag.value_offset};
}

// A base64 error points at the bad character itself, counted in the field value.
Error base64_error(const Tag& tag, const Error& e) {
  Error out = tag_error(Errc::base64, tag, e.detail);
  if (e.offset != Error::no_offset) out.offset = tag.value_offset + e.offset;
  return out;
}

// RFC 6376 2.11: dkim-quoted-printable; "=XX" hex escapes, FWS ignored.
Result<std::string> decode_qp(const Tag& tag) {
  std::string out;
  std::string_view v = tag.value;
  for (std::size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c != '=') {
      out.push_back(c);
      continue;
    }
    auto hex = [](char h) -> int {
      if (h >= '0' && h <= '9') return h - '0';
      if (h >= 'A' && h <= 'F') return h - 'A' + 10;
      if (h >= 'a' && h <= 'f') return h - 'a' + 10;  // lenient: lowercase seen in the field
      return -1;
    };
    if (i + 2 >= v.size()) {
      return tl::unexpected(tag_error(Errc::syntax, tag, "truncated '=' escape"));
    }
    int hi = hex(v[i + 1]), lo = hex(v[i + 2]);
    if (hi < 0 || lo < 0) return tl::unexpected(tag_error(Errc::syntax, tag, "bad '=XX' escape"));
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

template <class Int>
Result<Int> parse_number(const Tag& tag, std::size_t max_digits) {
  std::string_view v = tag.value;
  if (v.empty() || v.size() > max_digits) {
    return tl::unexpected(tag_error(Errc::syntax, tag, "expected 1 to " +
                                                           std::to_string(max_digits) + " digits"));
  }
  Int value{};
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
  if (ec != std::errc() || p != v.data() + v.size()) {
    return tl::unexpected(tag_error(Errc::syntax, tag, "not a decimal number"));
  }
  return value;
}

Result<Canonicalization> parse_canon(const Tag& tag) {
  auto one = [&](std::string_view s) -> Result<Canon> {
    if (s == "simple") return Canon::simple;
    if (s == "relaxed") return Canon::relaxed;
    return tl::unexpected(
        tag_error(Errc::unsupported, tag, "unknown canonicalization '" + std::string(s) + "'"));
  };
  std::string v = strip_fws(tag.value);
  Canonicalization c;
  auto slash = v.find('/');
  auto h = one(std::string_view(v).substr(0, slash));
  if (!h) return tl::unexpected(h.error());
  c.header = *h;
  if (slash != std::string::npos) {  // 3.5: "If only one algorithm is named, simple is used for the body"
    auto b = one(std::string_view(v).substr(slash + 1));
    if (!b) return tl::unexpected(b.error());
    c.body = *b;
  }
  return c;
}

}  // namespace

std::string identity_domain(const Signature& sig) {
  auto at = sig.identity.rfind('@');
  return mail::to_lower(at == std::string::npos ? std::string_view{}
                                                : std::string_view(sig.identity).substr(at + 1));
}

Result<Signature> parse_signature(std::string_view field_value) {
  auto tags = parse_tag_list(field_value);
  if (!tags) return tl::unexpected(tags.error());

  // 3.5: v, a, b, bh, d, h and s are REQUIRED.
  for (const char* required : {"v", "a", "b", "bh", "d", "h", "s"}) {
    if (!find_tag(*tags, required)) {
      return make_error(Errc::syntax, std::string("required tag ") + required + "= is missing");
    }
  }
  Signature sig;
  for (const Tag& tag : *tags) {
    const std::string_view name = tag.name;
    if (name == "v") {
      if (tag.value != "1") return tl::unexpected(tag_error(Errc::unsupported, tag, "version must be 1"));
    } else if (name == "a") {
      auto a = parse_algorithm(strip_fws(tag.value));
      if (!a) {
        return tl::unexpected(
            tag_error(Errc::unsupported, tag, "unknown algorithm '" + std::string(tag.value) + "'"));
      }
      sig.algorithm = *a;
    } else if (name == "b") {
      sig.b_text = strip_fws(tag.value);
      auto b = decode_base64(tag.value);  // skips FWS itself, so error offsets map to the value
      if (!b) return tl::unexpected(base64_error(tag, b.error()));
      if (b->empty()) return tl::unexpected(tag_error(Errc::syntax, tag, "signature is empty"));
      sig.b = std::move(*b);
    } else if (name == "bh") {
      auto bh = decode_base64(tag.value);
      if (!bh) return tl::unexpected(base64_error(tag, bh.error()));
      sig.bh = std::move(*bh);
    } else if (name == "c") {
      auto c = parse_canon(tag);
      if (!c) return tl::unexpected(c.error());
      sig.canon = *c;
    } else if (name == "d") {
      // RFC 6376 3.5: d= is a domain name (RFC 5321 letters, digits, hyphens; A-labels for
      // IDNs, RFC 8616 3).
      if (!dns::is_domain_name(tag.value)) {
        return tl::unexpected(tag_error(Errc::syntax, tag, "not a valid domain name"));
      }
      sig.domain = mail::to_lower(tag.value);
    } else if (name == "h") {
      std::string list = strip_fws(tag.value);
      std::size_t start = 0;
      while (true) {
        auto colon = list.find(':', start);
        std::string_view h = std::string_view(list).substr(
            start, colon == std::string::npos ? std::string::npos : colon - start);
        if (h.empty()) return tl::unexpected(tag_error(Errc::syntax, tag, "empty header name"));
        sig.headers.push_back(mail::to_lower(h));
        if (colon == std::string::npos) break;
        start = colon + 1;
      }
    } else if (name == "i") {
      auto i = decode_qp(tag);
      if (!i) return tl::unexpected(i.error());
      if (i->find('@') == std::string::npos) {
        return tl::unexpected(tag_error(Errc::syntax, tag, "identity has no '@'"));
      }
      sig.identity = std::move(*i);
    } else if (name == "l") {
      auto l = parse_number<std::uint64_t>(tag, 19);  // 3.5 allows 76 digits; none fit a message
      if (!l) return tl::unexpected(l.error());
      sig.length = *l;
    } else if (name == "q") {
      // 3.5: a colon-separated list; "dns/txt" is the only defined method.
      std::string q = strip_fws(tag.value);
      bool found = false;
      std::size_t start = 0;
      while (start <= q.size()) {
        auto colon = q.find(':', start);
        std::string_view m = std::string_view(q).substr(start, colon == std::string::npos ? std::string::npos : colon - start);
        if (m == "dns/txt" || m == "dns") found = true;
        if (colon == std::string::npos) break;
        start = colon + 1;
      }
      if (!found) return tl::unexpected(tag_error(Errc::unsupported, tag, "no dns/txt query method"));
    } else if (name == "s") {
      if (tag.value.empty()) return tl::unexpected(tag_error(Errc::syntax, tag, "selector is empty"));
      sig.selector = mail::to_lower(tag.value);
    } else if (name == "t") {
      auto t = parse_number<std::int64_t>(tag, 12);
      if (!t) return tl::unexpected(t.error());
      sig.timestamp = *t;
    } else if (name == "x") {
      auto x = parse_number<std::int64_t>(tag, 12);
      if (!x) return tl::unexpected(x.error());
      sig.expiration = *x;
    }
    // 3.5: "Unrecognized tags MUST be ignored." z= is diagnostic only.
  }
  if (sig.identity.empty()) sig.identity = "@" + sig.domain;
  if (sig.timestamp && sig.expiration && *sig.expiration <= *sig.timestamp) {
    // 3.5: "the value of the x= tag MUST be greater than the value of the t= tag": an x=
    // equal to t= is as invalid as one before it.
    return make_error(Errc::syntax, "tag x=: expiration is not after the timestamp t=");
  }
  return sig;
}

}  // namespace dnsauth::dkim
