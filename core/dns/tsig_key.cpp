#include "core/dns/tsig_key.h"

#include <cstddef>
#include <optional>
#include <vector>

#include "core/common/ascii.h"
#include "core/common/base64.h"
#include "core/common/file.h"

namespace dnsauth::dns {

namespace {

// One key as a file spells it, with the line each part was on for the messages.
struct RawKey {
  std::string name;
  std::string algorithm;
  std::string secret;
  std::size_t line = 0;  // where the key starts
  std::size_t algorithm_line = 0;
  std::size_t secret_line = 0;
};

struct Parsed {
  std::vector<RawKey> keys;
};

std::string where(std::string_view source, std::size_t line) {
  return std::string(source) + ":" + std::to_string(line) + ": ";
}

std::string key_name(std::string_view text) {
  std::string name = ascii::to_lower(text);
  if (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

// The algorithms RFC 8945 6 lists for use, by the names BIND and Knot give them (the names
// are the algorithm's domain name, so a trailing dot and any case are accepted).
std::optional<std::string> supported_algorithm(std::string_view text) {
  std::string a = key_name(text);
  for (const char* known : {"hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512"})
    if (a == known) return a;
  return std::nullopt;
}

// ---- BIND: named.conf statements, of which `key "name" { algorithm A; secret "S"; };` ----

struct Token {
  enum Kind { word, quoted, open, close, semicolon } kind;
  std::string text;
  std::size_t line;
};

// named.conf's lexical rules: `//`, `#` and `/* */` comments, double-quoted strings (a
// backslash escapes the next character), and `{`, `}`, `;` as tokens of their own.
Result<std::vector<Token>> tokenize_bind(std::string_view text, std::string_view source) {
  std::vector<Token> out;
  std::size_t line = 1, i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (c == '#' || (c == '/' && i + 1 < text.size() && text[i + 1] == '/')) {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      std::size_t start_line = line;
      std::size_t end = text.find("*/", i + 2);
      if (end == std::string_view::npos) return make_error(Errc::syntax, where(source, start_line) + "unterminated /* comment");
      for (std::size_t k = i; k < end; ++k) line += text[k] == '\n';
      i = end + 2;
    } else if (c == '"') {
      std::size_t start_line = line;
      std::string s;
      ++i;
      while (i < text.size() && text[i] != '"') {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        line += text[i] == '\n';
        s.push_back(text[i++]);
      }
      if (i >= text.size()) return make_error(Errc::syntax, where(source, start_line) + "unterminated quoted string");
      ++i;
      out.push_back({Token::quoted, std::move(s), start_line});
    } else if (c == '{' || c == '}' || c == ';') {
      out.push_back({c == '{' ? Token::open : c == '}' ? Token::close : Token::semicolon, std::string(1, c), line});
      ++i;
    } else {
      std::size_t start = i;
      while (i < text.size() && std::string_view(" \t\r\n{};\"#").find(text[i]) == std::string_view::npos &&
             !(text[i] == '/' && i + 1 < text.size() && (text[i + 1] == '/' || text[i + 1] == '*')))
        ++i;
      out.push_back({Token::word, std::string(text.substr(start, i - start)), line});
    }
  }
  return out;
}

Result<Parsed> parse_bind(std::string_view text, std::string_view source) {
  auto tokens = tokenize_bind(text, source);
  if (!tokens) return tl::unexpected(tokens.error());
  const auto& t = *tokens;
  Parsed parsed;
  std::size_t i = 0;
  auto last_line = [&] { return t.empty() ? 1 : t.back().line; };
  // Skips one statement of any kind: words up to `;`, with balanced braces on the way.
  auto skip_statement = [&]() -> Result<void> {
    int depth = 0;
    std::size_t start_line = t[i].line;
    for (; i < t.size(); ++i) {
      if (t[i].kind == Token::open) ++depth;
      if (t[i].kind == Token::close && --depth < 0)
        return make_error(Errc::syntax, where(source, t[i].line) + "unbalanced '}'");
      if (t[i].kind == Token::semicolon && depth == 0) {
        ++i;
        return {};
      }
    }
    return make_error(Errc::syntax, where(source, start_line) + "statement without its closing ';'");
  };
  while (i < t.size()) {
    if (!(t[i].kind == Token::word && ascii::iequals(t[i].text, "key") && i + 2 < t.size() &&
          t[i + 2].kind == Token::open)) {
      if (auto r = skip_statement(); !r) return tl::unexpected(r.error());
      continue;
    }
    RawKey key;
    key.line = t[i].line;
    key.name = t[i + 1].text;
    if (key.name.empty()) return make_error(Errc::syntax, where(source, key.line) + "key without a name");
    i += 3;
    // The key's clauses: `algorithm NAME;` and `secret "BASE64";`, up to `};`.
    while (i < t.size() && t[i].kind != Token::close) {
      std::size_t clause = i;
      while (i < t.size() && t[i].kind != Token::semicolon && t[i].kind != Token::close && t[i].kind != Token::open) ++i;
      if (i >= t.size() || t[i].kind != Token::semicolon)
        return make_error(Errc::syntax, where(source, t[clause].line) + "clause of key '" + key.name + "' without ';'");
      if (i - clause == 2 && ascii::iequals(t[clause].text, "algorithm")) {
        key.algorithm = t[clause + 1].text;
        key.algorithm_line = t[clause].line;
      } else if (i - clause == 2 && ascii::iequals(t[clause].text, "secret")) {
        key.secret = t[clause + 1].text;
        key.secret_line = t[clause].line;
      } else if (i > clause) {
        return make_error(Errc::syntax, where(source, t[clause].line) + "unexpected '" + t[clause].text +
                                            "' in key '" + key.name + "'");
      }
      ++i;
    }
    if (i + 1 >= t.size() || t[i].kind != Token::close || t[i + 1].kind != Token::semicolon)
      return make_error(Errc::syntax, where(source, i < t.size() ? t[i].line : last_line()) + "key '" + key.name +
                                          "' without its closing '};'");
    i += 2;
    parsed.keys.push_back(std::move(key));
  }
  return parsed;
}

// The lines of a text one by one, numbered from 1 (a last line without LF included).
struct Lines {
  std::string_view text;
  std::size_t pos = 0;
  std::size_t number = 0;
  bool next(std::string_view& line) {
    if (pos > text.size()) return false;
    std::size_t nl = text.find('\n', pos);
    line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++number;
    return true;
  }
};

// ---- Knot: the YAML `key:` section, a list of `- id:` / `algorithm:` / `secret:` ----

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// A scalar as Knot's configuration writes one: plain (a ` #` starts a comment), or in single
// or double quotes.
std::string yaml_scalar(std::string_view v) {
  v = trim(v);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) {
    std::size_t end = v.find(v.front(), 1);
    if (end != std::string_view::npos) return std::string(v.substr(1, end - 1));
  }
  if (std::size_t hash = v.find(" #"); hash != std::string_view::npos) v = trim(v.substr(0, hash));
  return std::string(v);
}

Result<Parsed> parse_knot(std::string_view text, std::string_view source) {
  Parsed parsed;
  bool in_keys = false;
  Lines lines{text};
  std::string_view line;
  while (lines.next(line)) {
    const std::size_t line_no = lines.number;
    std::string_view body = trim(line);
    if (body.empty() || body.front() == '#') continue;
    if (line.front() != ' ' && line.front() != '\t' && line.front() != '-') {
      // A top-level section: `key:` opens the list; any other closes it.
      in_keys = trim(yaml_scalar(body)) == "key:";
      continue;
    }
    if (!in_keys) continue;
    bool item = body.front() == '-';
    if (item) body = trim(body.substr(1));
    std::size_t colon = body.find(':');
    if (colon == std::string_view::npos)
      return make_error(Errc::syntax, where(source, line_no) + "expected 'name: value' in the key section");
    std::string field = ascii::to_lower(trim(body.substr(0, colon)));
    std::string value = yaml_scalar(body.substr(colon + 1));
    if (item) {
      if (field != "id")
        return make_error(Errc::syntax, where(source, line_no) + "a key must start with '- id:'");
      parsed.keys.push_back(RawKey{value, {}, {}, line_no, 0, 0});
      if (value.empty()) return make_error(Errc::syntax, where(source, line_no) + "key without a name");
      continue;
    }
    if (parsed.keys.empty())
      return make_error(Errc::syntax, where(source, line_no) + "'" + field + "' before the first '- id:'");
    RawKey& key = parsed.keys.back();
    if (field == "algorithm") {
      key.algorithm = value;
      key.algorithm_line = line_no;
    } else if (field == "secret") {
      key.secret = value;
      key.secret_line = line_no;
    }  // other fields of Knot's key schema (none today) do not matter here
  }
  return parsed;
}

// ---- dnssec-keygen -a HMAC-...: K<name>.+<alg>+<id>.private ----

// The DNSSEC algorithm numbers BIND gave its HMAC keys (dst_api: DST_ALG_HMACMD5 = 157 and
// 161 to 165 for SHA-1 to SHA-512), as the file's `Algorithm:` line carries them.
std::optional<std::string> private_file_algorithm(int number) {
  switch (number) {
    case 157: return "hmac-md5";
    case 161: return "hmac-sha1";
    case 162: return "hmac-sha224";
    case 163: return "hmac-sha256";
    case 164: return "hmac-sha384";
    case 165: return "hmac-sha512";
    default: return std::nullopt;
  }
}

Result<Parsed> parse_private(std::string_view text, std::string_view source) {
  // The name is the file's: K<name>.+<alg>+<id>.private (the dot after the name is the
  // absolute name's trailing dot).
  std::string_view base = source;
  if (std::size_t slash = base.rfind('/'); slash != std::string_view::npos) base = base.substr(slash + 1);
  std::size_t plus = base.find(".+");
  if (base.size() < 2 || base.front() != 'K' || plus == std::string_view::npos || plus < 2)
    return make_error(Errc::syntax, where(source, 1) +
                                        "a dnssec-keygen key file must be named K<name>.+<alg>+<id>.private");
  RawKey key;
  key.name = std::string(base.substr(1, plus - 1));
  key.line = 1;
  Lines lines{text};
  std::string_view line;
  while (lines.next(line)) {
    const std::size_t line_no = lines.number;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view field = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
    if (field == "Algorithm") {
      // "163 (HMAC_SHA256)"
      int number = 0;
      std::size_t k = 0;
      while (k < value.size() && ascii::is_digit(value[k]) && number < 1000) number = number * 10 + (value[k++] - '0');
      auto name = k ? private_file_algorithm(number) : std::nullopt;
      key.algorithm = name ? *name : std::string(value);
      key.algorithm_line = line_no;
    } else if (field == "Key") {
      key.secret = std::string(value);
      key.secret_line = line_no;
    }
  }
  Parsed parsed;
  parsed.keys.push_back(std::move(key));
  return parsed;
}

bool has_line_starting(std::string_view text, std::string_view prefix) {
  Lines lines{text};
  std::string_view line;
  while (lines.next(line))
    if (line.starts_with(prefix)) return true;
  return false;
}

}  // namespace

Result<TsigKey> parse_tsig_key(std::string_view text, std::string_view source, std::string_view name) {
  Result<Parsed> parsed = has_line_starting(text, "Private-key-format:") ? parse_private(text, source)
                          : has_line_starting(text, "key:")              ? parse_knot(text, source)
                                                                         : parse_bind(text, source);
  if (!parsed) return tl::unexpected(parsed.error());
  auto& keys = parsed->keys;
  if (keys.empty()) return make_error(Errc::syntax, where(source, 1) + "no TSIG key in the file");

  // Only the key picked must be usable: a named.conf may hold other keys for other uses.
  const RawKey* key = nullptr;
  if (!name.empty()) {
    std::string wanted = key_name(name);
    std::string names;
    for (const auto& k : keys) {
      if (key_name(k.name) == wanted) key = &k;
      names += (names.empty() ? "" : ", ") + key_name(k.name);
    }
    if (!key)
      return make_error(Errc::invalid_argument,
                        std::string(source) + ": no key named '" + wanted + "' (it has " + names + ")");
  } else if (keys.size() > 1) {
    return make_error(Errc::invalid_argument, std::string(source) + ": " + std::to_string(keys.size()) +
                                                  " keys in the file; name the one to use");
  } else {
    key = &keys.front();
  }

  TsigKey out;
  out.name = key_name(key->name);
  // RFC 1035 3.1: no label of a domain name is empty, so neither "." nor "a..b." names a key
  // (only the one trailing dot of an absolute name is dropped above).
  if (out.name.empty() || out.name.front() == '.' || out.name.back() == '.' || out.name.find("..") != std::string::npos)
    return make_error(Errc::syntax, where(source, key->line) + "key name '" + key->name + "' has an empty label");
  if (key->algorithm.empty())
    return make_error(Errc::syntax, where(source, key->line) + "key '" + out.name + "' has no algorithm");
  auto algorithm = supported_algorithm(key->algorithm);
  if (!algorithm) {
    // RFC 8945 6: HMAC-MD5 is not to be used any more (and GSS-TSIG needs more than a file).
    return make_error(Errc::unsupported, where(source, key->algorithm_line) + "key '" + out.name +
                                             "': TSIG algorithm '" + key->algorithm + "' is not supported" +
                                             (ascii::iequals(key->algorithm.substr(0, 8), "hmac-md5")
                                                  ? " (RFC 8945 6: HMAC-MD5 must not be used)"
                                                  : " (use hmac-sha256)"));
  }
  out.algorithm = *algorithm;
  if (key->secret.empty())
    return make_error(Errc::syntax, where(source, key->line) + "key '" + out.name + "' has no secret");
  auto bytes = decode_base64(key->secret);
  if (!bytes || bytes->empty())
    return make_error(Errc::syntax, where(source, key->secret_line) + "the secret of key '" + out.name +
                                        "' is not base64" + (bytes ? " (it is empty)" : ""));
  // Whitespace a file may wrap the secret with is not ldns's to read.
  for (char c : key->secret)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out.secret.push_back(c);
  return out;
}

Result<TsigKey> load_tsig_key(const std::filesystem::path& file, std::string_view name) {
  auto text = read_whole_file(file);
  if (!text) return make_error(Errc::io, "cannot read TSIG key file " + file.string() + ": " + text.error().detail);
  return parse_tsig_key(*text, file.string(), name);
}

}  // namespace dnsauth::dns
