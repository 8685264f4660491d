#include "core/mail/address.h"

#include <cstring>

#include "core/dns/name.h"

namespace dnsauth::mail {

namespace {

bool is_wsp(unsigned char c) { return c == ' ' || c == '\t'; }

// RFC 5322 4.1: obs-NO-WS-CTL, the control characters obsolete syntax lets through.
bool is_obs_no_ws_ctl(unsigned char c) {
  return (c >= 1 && c <= 8) || c == 11 || c == 12 || (c >= 14 && c <= 31) || c == 127;
}

// RFC 6532 3.2 extends atext, qtext, ctext and dtext with UTF8-non-ascii. Any byte >= 0x80
// is taken here: a domain's UTF-8 is checked by IDNA, and a local part belongs to its host.
bool is_utf8_byte(unsigned char c) { return c >= 0x80; }

// RFC 5322 3.2.3
bool is_atext(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return (c != 0 && std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr) || is_utf8_byte(c);
}

// RFC 5322 3.2.4 qtext (with obs-qtext, 4.1)
bool is_qtext(unsigned char c) {
  return c == 33 || (c >= 35 && c <= 91) || (c >= 93 && c <= 126) || is_obs_no_ws_ctl(c) ||
         is_utf8_byte(c);
}

// RFC 5322 3.2.2 ctext (with obs-ctext, 4.1)
bool is_ctext(unsigned char c) {
  return (c >= 33 && c <= 39) || (c >= 42 && c <= 91) || (c >= 93 && c <= 126) ||
         is_obs_no_ws_ctl(c) || is_utf8_byte(c);
}

// RFC 5322 3.4.1 dtext (with obs-dtext, 4.4)
bool is_dtext(unsigned char c) {
  return (c >= 33 && c <= 90) || (c >= 94 && c <= 126) || is_obs_no_ws_ctl(c) || is_utf8_byte(c);
}

bool is_dot_atom_text(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '.') {
      if (s[i + 1] == '.') return false;  // s.back() is not '.', so i + 1 is in range
    } else if (!is_atext(c)) {
      return false;
    }
  }
  return true;
}

// RFC 5890 2.3.2.1: a U-label is compared and looked up in DNS as its A-label.
Result<std::string> normalize_domain(const std::string& domain, std::size_t offset) {
  auto ace = dns::to_a_labels(domain);
  if (!ace) return make_error(Errc::syntax, ace.error().detail, offset);
  return ace;
}

// What a run of words read at the start of an address can turn out to be: the display-name
// of a name-addr or group (RFC 5322 3.4 phrase) or the local-part of an addr-spec (3.4.1).
struct Words {
  std::size_t start = 0;
  bool empty = true;
  bool dot_separated = true;  // shaped word *("." word), as a local-part must be
  std::string display;        // words joined by one space where CFWS stood between them
  std::string local;          // words and dots, CFWS dropped (RFC 5322 4.4)
};

class AddressParser {
 public:
  explicit AddressParser(std::string_view in) : in_(in) {}

  Result<std::vector<Mailbox>> address_list() {
    // RFC 5322 4.4 obs-addr-list: empty list elements (", ,") are allowed, but at least
    // one address must be present.
    std::vector<Mailbox> out;
    std::size_t addresses = 0;
    for (;;) {
      if (auto r = cfws(); !r) return tl::unexpected(r.error());
      if (at_end()) break;
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (auto r = address(/*in_group=*/false, out); !r) return tl::unexpected(r.error());
      ++addresses;
      if (at_end()) break;
      if (peek() != ',') return fail("expected ',' between addresses");
    }
    if (addresses == 0) return make_error(Errc::syntax, "no address in address-list", pos_);
    return out;
  }

 private:
  bool at_end() const { return pos_ >= in_.size(); }
  unsigned char peek() const { return static_cast<unsigned char>(in_[pos_]); }
  tl::unexpected<Error> fail(std::string detail) const { return fail_at(pos_, std::move(detail)); }
  static tl::unexpected<Error> fail_at(std::size_t offset, std::string detail) {
    return make_error(Errc::syntax, std::move(detail), offset);
  }

  // RFC 5322 3.2.2 FWS. A value that was not unfolded may still hold CRLF WSP.
  bool fws() {
    std::size_t start = pos_;
    while (!at_end()) {
      if (is_wsp(peek())) {
        ++pos_;
      } else if (peek() == '\r' && pos_ + 2 < in_.size() && in_[pos_ + 1] == '\n' &&
                 is_wsp(static_cast<unsigned char>(in_[pos_ + 2]))) {
        pos_ += 3;
      } else {
        break;
      }
    }
    return pos_ != start;
  }

  // RFC 5322 3.2.2 CFWS; true when any was skipped.
  Result<bool> cfws() {
    bool any = false;
    for (;;) {
      if (fws()) {
        any = true;
      } else if (!at_end() && peek() == '(') {
        if (auto r = comment(); !r) return tl::unexpected(r.error());
        any = true;
      } else {
        return any;
      }
    }
  }

  // RFC 5322 3.2.2: comments nest. The depth is counted, not recursed into, so no input can
  // exhaust the stack.
  Result<void> comment() {
    std::size_t open = pos_;
    std::size_t depth = 0;
    while (!at_end()) {
      unsigned char c = peek();
      if (c == '(') {
        ++depth;
        ++pos_;
      } else if (c == ')') {
        ++pos_;
        if (--depth == 0) return {};
      } else if (c == '\\') {
        if (pos_ + 1 >= in_.size()) break;
        pos_ += 2;  // quoted-pair, obs-qp included (RFC 5322 4.1)
      } else if (is_ctext(c) || is_wsp(c)) {
        ++pos_;
      } else if (!fws()) {
        return fail("invalid character in comment");
      }
    }
    return fail_at(open, "unterminated comment");
  }

  // RFC 5322 3.2.4: the content, quotes removed and quoted-pairs resolved; a CRLF of FWS
  // inside is removed and its WSP kept ("semantically invisible" only as CRLF).
  Result<std::string> quoted_string() {
    std::size_t open = pos_++;
    std::string out;
    while (!at_end()) {
      unsigned char c = peek();
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c == '\\') {
        if (pos_ + 1 >= in_.size()) break;
        out.push_back(in_[pos_ + 1]);
        pos_ += 2;
      } else if (is_qtext(c) || is_wsp(c)) {
        out.push_back(static_cast<char>(c));
        ++pos_;
      } else if (c == '\r' && pos_ + 2 < in_.size() && in_[pos_ + 1] == '\n' &&
                 is_wsp(static_cast<unsigned char>(in_[pos_ + 2]))) {
        pos_ += 2;
      } else {
        return fail("invalid character in quoted-string");
      }
    }
    return fail_at(open, "unterminated quoted-string");
  }

  // Atoms, quoted-strings and dots with CFWS between them, up to the first other character.
  // RFC 5322 4.1 obs-phrase lets "." stand in a display-name; 4.4 obs-local-part lets CFWS
  // stand around the dots of a local-part.
  Result<Words> words() {
    Words w;
    enum class Token { none, word, dot } last = Token::none;
    for (;;) {
      auto space = cfws();
      if (!space) return tl::unexpected(space.error());
      if (at_end()) break;
      std::size_t token_start = pos_;
      std::string text;
      Token token = Token::word;
      if (is_atext(peek())) {
        while (!at_end() && is_atext(peek())) ++pos_;
        text = in_.substr(token_start, pos_ - token_start);
      } else if (peek() == '"') {
        auto q = quoted_string();
        if (!q) return tl::unexpected(q.error());
        text = std::move(*q);
      } else if (peek() == '.') {
        ++pos_;
        text = ".";
        token = Token::dot;
      } else {
        break;
      }
      if (w.empty) w.start = token_start;
      if ((token == Token::word) == (last == Token::word)) w.dot_separated = false;
      if (*space && !w.display.empty()) w.display.push_back(' ');
      w.display += text;
      w.local += text;
      w.empty = false;
      last = token;
    }
    if (last != Token::word) w.dot_separated = false;
    if (w.empty) w.start = pos_;
    return w;
  }

  // RFC 5322 3.4.1 domain: dot-atom, domain-literal, or obs-domain (CFWS around the dots).
  Result<std::string> domain() {
    if (auto r = cfws(); !r) return tl::unexpected(r.error());
    std::size_t start = pos_;
    if (!at_end() && peek() == '[') return domain_literal();
    std::string name;
    for (;;) {
      if (at_end() || !is_atext(peek())) {
        return fail(name.empty() ? "missing domain after '@'" : "empty label in domain");
      }
      std::size_t label = pos_;
      while (!at_end() && is_atext(peek())) ++pos_;
      name += in_.substr(label, pos_ - label);
      if (auto r = cfws(); !r) return tl::unexpected(r.error());
      if (at_end() || peek() != '.') break;
      ++pos_;
      name.push_back('.');
      if (auto r = cfws(); !r) return tl::unexpected(r.error());
    }
    return normalize_domain(name, start);
  }

  // Kept as written: an address literal is not a name to lowercase or convert.
  Result<std::string> domain_literal() {
    std::size_t open = pos_++;
    while (!at_end()) {
      unsigned char c = peek();
      if (c == ']') {
        ++pos_;
        std::string literal(in_.substr(open, pos_ - open));
        if (auto r = cfws(); !r) return tl::unexpected(r.error());
        return literal;
      }
      if (c == '\\') {
        if (pos_ + 1 >= in_.size()) break;
        pos_ += 2;  // obs-dtext quoted-pair
      } else if (is_dtext(c) || is_wsp(c)) {
        ++pos_;
      } else if (!fws()) {
        return fail("invalid character in domain-literal");
      }
    }
    return fail_at(open, "unterminated domain-literal");
  }

  // addr-spec, positioned at the '@' after its local-part words.
  Result<Mailbox> addr_spec(const Words& local) {
    if (local.empty) return fail("missing local-part before '@'");
    if (!local.dot_separated) {
      return fail_at(local.start, "local-part words must be separated by '.'");
    }
    ++pos_;
    auto d = domain();
    if (!d) return tl::unexpected(d.error());
    return Mailbox{{}, local.local, std::move(*d)};
  }

  // RFC 5322 4.4 obs-route: a source route before the addr-spec, read and ignored.
  Result<void> obs_route() {
    for (;;) {
      if (auto r = cfws(); !r) return tl::unexpected(r.error());
      if (at_end() || peek() != ',') break;
      ++pos_;
    }
    if (at_end() || peek() != '@') return fail("expected '@' in obs-route");
    ++pos_;
    if (auto d = domain(); !d) return tl::unexpected(d.error());
    while (!at_end() && peek() == ',') {
      ++pos_;
      if (auto r = cfws(); !r) return tl::unexpected(r.error());
      if (!at_end() && peek() == '@') {
        ++pos_;
        if (auto d = domain(); !d) return tl::unexpected(d.error());
      }
    }
    if (at_end() || peek() != ':') return fail("expected ':' after obs-route");
    ++pos_;
    return {};
  }

  // RFC 5322 3.4 angle-addr / 4.4 obs-angle-addr, positioned at '<'.
  Result<Mailbox> angle_addr(std::string display_name) {
    std::size_t open = pos_++;
    if (auto r = cfws(); !r) return tl::unexpected(r.error());
    if (!at_end() && (peek() == '@' || peek() == ',')) {
      if (auto r = obs_route(); !r) return tl::unexpected(r.error());
    }
    auto local = words();
    if (!local) return tl::unexpected(local.error());
    if (at_end()) return fail_at(open, "unterminated angle-addr: missing '>'");
    if (peek() == '>' && local->empty) return fail("empty angle-addr");
    if (peek() != '@') return fail("missing '@' in addr-spec");
    auto mailbox = addr_spec(*local);
    if (!mailbox) return mailbox;
    if (at_end()) return fail_at(open, "unterminated angle-addr: missing '>'");
    if (peek() != '>') return fail("expected '>' after addr-spec");
    ++pos_;
    if (auto r = cfws(); !r) return tl::unexpected(r.error());
    mailbox->display_name = std::move(display_name);
    return mailbox;
  }

  // RFC 5322 3.4 address = mailbox / group. Which one it is shows only after the leading
  // words: '<' (name-addr), '@' (addr-spec) or ':' (group).
  Result<void> address(bool in_group, std::vector<Mailbox>& out) {
    auto w = words();
    if (!w) return tl::unexpected(w.error());
    if (at_end()) return fail(w->empty ? "expected an address" : "missing '@' in address");
    switch (peek()) {
      case '<': {
        auto m = angle_addr(std::move(w->display));
        if (!m) return tl::unexpected(m.error());
        out.push_back(std::move(*m));
        return {};
      }
      case '@': {
        auto m = addr_spec(*w);
        if (!m) return tl::unexpected(m.error());
        out.push_back(std::move(*m));
        return {};
      }
      case ':':
        if (in_group) return fail("a group cannot contain a group");
        if (w->empty) return fail("group without a display-name");
        return group_into(out);
      default:
        return fail(w->empty ? "unexpected character where an address should start"
                             : "missing '@' in address");
    }
  }

  // RFC 5322 3.4 group = display-name ":" [group-list] ";" [CFWS], positioned at ':'.
  // Members go into the same list: From may hold a group (RFC 6854), and its authors are
  // the members. obs-group-list and obs-mbox-list (4.4) allow empty elements.
  Result<void> group_into(std::vector<Mailbox>& out) {
    std::size_t colon = pos_++;
    for (;;) {
      if (auto r = cfws(); !r) return tl::unexpected(r.error());
      if (at_end()) return fail_at(colon, "group not closed with ';'");
      if (peek() == ';') {
        ++pos_;
        if (auto r = cfws(); !r) return tl::unexpected(r.error());
        return {};
      }
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (auto r = address(/*in_group=*/true, out); !r) return r;
      if (at_end()) return fail_at(colon, "group not closed with ';'");
      if (peek() != ',' && peek() != ';') return fail("expected ',' or ';' in group");
    }
  }

  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string Mailbox::address() const {
  std::string out;
  if (is_dot_atom_text(local_part)) {
    out = local_part;
  } else {
    // RFC 5322 3.4.1: a local part that is not a dot-atom must be a quoted-string. What
    // came in as a quoted-pair, obs-qp included (4.1: NUL, CR, LF), goes out as one again.
    out.push_back('"');
    for (char c : local_part) {
      unsigned char u = static_cast<unsigned char>(c);
      if (!is_qtext(u) && !is_wsp(u)) out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('@');
  out += domain;
  return out;
}

Result<std::vector<Mailbox>> parse_address_list(std::string_view value) {
  return AddressParser(value).address_list();
}

AuthorDomain author_from(const Message& msg) { return author_from(msg.fields("From")); }

AuthorDomain author_from(const std::vector<const HeaderField*>& froms) {
  AuthorDomain author;
  if (froms.empty()) {
    author.reason = "no From field";
    return author;
  }
  for (const HeaderField* from : froms) {
    auto list = parse_address_list(from->unfolded_value());
    if (list) {
      author.mailboxes.insert(author.mailboxes.end(), list->begin(), list->end());
    } else if (froms.size() == 1) {
      author.count = FromCount::malformed;
      author.reason = "From field: " + list.error().message();
      return author;
    }
  }
  // RFC 5322 3.6: exactly one From field; RFC 7489 6.6.1: several are not one author.
  if (froms.size() > 1) {
    author.count = FromCount::several;
    author.reason = std::to_string(froms.size()) + " From fields";
  } else if (author.mailboxes.empty()) {
    author.count = FromCount::none;
    author.reason = "From field holds no mailbox";
  } else if (author.mailboxes.size() > 1) {
    author.count = FromCount::several;
    author.reason = "From field holds " + std::to_string(author.mailboxes.size()) + " mailboxes";
  } else {
    author.count = FromCount::one;
  }
  return author;
}

}  // namespace dnsauth::mail
