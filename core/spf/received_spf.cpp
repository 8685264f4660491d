#include "core/spf/received_spf.h"

#include <string_view>
#include <vector>

#include "core/mail/fold.h"

namespace dnsauth::spf {

namespace {

// Printable ASCII only: anything else a sender may have slipped in (CR, LF, NUL, 8-bit)
// becomes '?'.
std::string sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u <= 0x7e ? c : '?');
  }
  return out;
}

// RFC 5322 3.2.3 atext
bool is_atext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool is_dot_atom(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.') {
      if (s[i + 1] == '.') return false;
    } else if (!is_atext(s[i])) {
      return false;
    }
  }
  return true;
}

// dot-atom when it is one, else an RFC 5322 quoted-string.
std::string value(std::string_view raw) {
  std::string s = sanitize(raw);
  if (is_dot_atom(s)) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

// Text inside an RFC 5322 comment: parentheses and backslashes escaped.
std::string comment_text(std::string_view raw) {
  std::string out;
  for (char c : sanitize(raw)) {
    if (c == '(' || c == ')' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// RFC 7208 9.1 "(...) style comment ... conveying supporting information for the result".
std::string comment(const Verdict& v, const Session& s) {
  std::string who = v.identity == Identity::helo ? "HELO name " + to_a_labels(s.helo) : "domain of " + v.sender;
  std::string ip = s.client_ip.to_string();
  std::string text;
  switch (v.result) {
    case Result::Pass: text = who + " designates " + ip + " as permitted sender"; break;
    case Result::Fail: text = who + " does not designate " + ip + " as permitted sender"; break;
    case Result::SoftFail:
      text = who + " does not designate " + ip + " as permitted sender (softfail: transitioning)";
      break;
    case Result::Neutral: text = ip + " is neither permitted nor denied by " + who; break;
    case Result::None: text = who + " does not designate permitted sender hosts"; break;
    case Result::TempError: text = "temporary error evaluating SPF for " + who; break;
    case Result::PermError: text = "permanent error in the SPF record for " + who; break;
  }
  if (!s.receiver.empty() && s.receiver != "unknown") text = s.receiver + ": " + text;
  return "(" + comment_text(text) + ")";
}

void split_words(std::vector<std::string>& words, const std::string& text) {
  std::size_t start = 0;
  while (true) {
    std::size_t space = text.find(' ', start);
    words.push_back(text.substr(start, space == std::string::npos ? std::string::npos : space - start));
    if (space == std::string::npos) return;
    start = space + 1;
  }
}

// The reverse-path as given, its domain as the A-labels SPF checked (RFC 8616 4).
std::string envelope_from(std::string_view mail_from) {
  std::size_t at = mail_from.rfind('@');
  if (at == std::string_view::npos) return std::string(mail_from);
  std::string_view domain = mail_from.substr(at + 1);
  std::string_view close = !domain.empty() && domain.back() == '>' ? ">" : "";
  domain.remove_suffix(close.size());
  return std::string(mail_from.substr(0, at + 1)) + to_a_labels(domain) + std::string(close);
}

}  // namespace

std::string received_spf(const Verdict& verdict, const Session& session) {
  std::vector<std::string> words{std::string(to_string(verdict.result))};
  split_words(words, comment(verdict, session));
  std::vector<std::pair<std::string, std::string>> kv;
  kv.emplace_back("client-ip", session.client_ip.to_string());
  if (verdict.identity == Identity::mailfrom && !is_null_reverse_path(session.mail_from))
    kv.emplace_back("envelope-from", envelope_from(session.mail_from));
  if (!session.helo.empty()) kv.emplace_back("helo", to_a_labels(session.helo));
  if (!session.receiver.empty() && session.receiver != "unknown")
    kv.emplace_back("receiver", session.receiver);
  kv.emplace_back("identity", std::string(to_string(verdict.identity)));
  bool error = verdict.result == Result::TempError || verdict.result == Result::PermError ||
               verdict.result == Result::None;
  if (error && verdict.cause != Cause::none) kv.emplace_back("problem", verdict.problem());
  else if (!verdict.mechanism.empty()) kv.emplace_back("mechanism", verdict.mechanism);
  // Folding may fall inside a quoted-string too: unfolding gives its spaces back (RFC 5322 3.2.4).
  for (const auto& [key, val] : kv) split_words(words, key + "=" + value(val) + ";");
  // Words are split at single spaces and joined by one space or a fold (CRLF SP), so
  // unfolding restores the text exactly.
  mail::FieldFolder field("Received-SPF", mail::FoldStyle{.wsp = ' '});
  for (const auto& w : words) field.word(w);
  return field.field();
}

}  // namespace dnsauth::spf
