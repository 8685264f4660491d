// The RFC 5322 message parser (core/mail/message.h), fed in random chunk splits. Properties:
//   - any split of the bytes gives the same header fields (raw bytes, offsets, lengths), the
//     same fields past a limit, the end of the header section at the same point, the same
//     body and the same first error (code and offset) as the bytes fed whole;
//   - the body chunks keep BodyNormalizer's contract: none empty, no CRLF split across two,
//     no bare LF (RFC 6376 5.3);
//   - the milter's path (field(), end_of_headers(), body() in other pieces) gives the same
//     fields and body;
//   - a parsed message serialized and parsed again is the same message.
// Input: byte 0 chooses small limits (odd) or the defaults; bytes 1-3 size the small limits;
// bytes 4-11 seed the splits; the rest is the message.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/mail/message.h"
#include "fuzz_support.h"

using namespace dnsauth;

namespace {

struct Recorder : mail::MessageSink {
  std::vector<std::string> events;  // fields as "H <offset> <length> <raw>", "P <raw>", "EOH"
  std::vector<mail::HeaderField> fields;
  std::string body_text;
  bool last_chunk_ended_in_cr = false;

  void header(mail::HeaderField) override { FUZZ_CHECK(!"header_at() stands for header()"); }
  void header_at(mail::HeaderField f, std::size_t offset, std::size_t length) override {
    FUZZ_CHECK(body_text.empty());
    FUZZ_CHECK(f.raw().size() >= 2 && f.raw().substr(f.raw().size() - 2) == "\r\n");
    events.push_back("H " + std::to_string(offset) + " " + std::to_string(length) + " " + f.raw());
    fields.push_back(std::move(f));
  }
  void header_past_limit(mail::HeaderField f) override { events.push_back("P " + f.raw()); }
  void end_of_headers() override { events.push_back("EOH"); }
  void body(std::string_view chunk) override {
    FUZZ_CHECK(!chunk.empty());
    // A CRLF never split across two chunks: a chunk after one that ended in CR cannot start
    // with the LF of that CRLF.
    FUZZ_CHECK(!(last_chunk_ended_in_cr && chunk.front() == '\n'));
    last_chunk_ended_in_cr = chunk.back() == '\r';
    body_text += chunk;
  }
};

struct Outcome {
  Recorder sink;
  std::optional<Error> first_error;
  std::optional<mail::Limit> exceeded;
};

void note(Outcome& o, const Result<void>& r) {
  if (!r && !o.first_error) o.first_error = r.error();
}

void run(Outcome& o, const std::vector<std::string_view>& pieces, const mail::ParserLimits& limits) {
  mail::MessageParser parser(o.sink, limits);
  for (std::string_view piece : pieces) note(o, parser.feed(piece));
  note(o, parser.finish());
  o.exceeded = parser.exceeded();
}

// Every LF of the body is part of a CRLF.
bool crlf_form(std::string_view body) {
  for (std::size_t i = 0; i < body.size(); ++i)
    if (body[i] == '\n' && (i == 0 || body[i - 1] != '\r')) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  std::uint8_t mode = in.byte();
  mail::ParserLimits limits;
  std::uint8_t l1 = in.byte(), l2 = in.byte(), l3 = in.byte();
  if (mode & 1) {
    limits.max_field_bytes = 8 + l1 * 4u;
    limits.max_fields = l2 % 40;
    limits.max_header_bytes = 16 + l3 * 16u;
  }
  fuzz::Rng rng(in.u64());
  std::string_view bytes = in.rest();

  Outcome whole;
  run(whole, {bytes}, limits);
  FUZZ_CHECK(crlf_form(whole.sink.body_text));

  Outcome split;
  run(split, fuzz::random_split(bytes, rng, 1 + (mode >> 1) % 64), limits);
  FUZZ_CHECK(split.sink.events == whole.sink.events);
  FUZZ_CHECK(split.sink.body_text == whole.sink.body_text);
  auto errors = [&] {
    auto one = [](const Outcome& o) {
      return std::string(o.exceeded ? "exceeded, " : "within limits, ") +
             (o.first_error ? o.first_error->detail + " @" + std::to_string(o.first_error->offset) : "no error");
    };
    return "whole: " + one(whole) + "; split: " + one(split);
  };
  FUZZ_CHECK_MSG(split.exceeded == whole.exceeded, errors());
  FUZZ_CHECK(split.first_error.has_value() == whole.first_error.has_value());
  if (whole.first_error) {
    const std::string both = "whole: " + whole.first_error->detail + " @" + std::to_string(whole.first_error->offset) +
                             "; split: " + split.first_error->detail + " @" + std::to_string(split.first_error->offset);
    FUZZ_CHECK_MSG(split.first_error->code == whole.first_error->code, both);
    FUZZ_CHECK_MSG(split.first_error->offset == whole.first_error->offset, both);
    fuzz::check_offset(*whole.first_error, bytes.size());
    return 0;
  }

  // The milter's path: the same fields given apart, the body in other pieces.
  if (!whole.exceeded) {
    Recorder milter;
    mail::MessageParser parser(milter, limits);
    for (const mail::HeaderField& f : whole.sink.fields) {
      auto r = parser.field(f.name(), f.value());
      if (!r) return 0;  // the field's size counts differently given apart: past a limit here
    }
    FUZZ_CHECK(parser.end_of_headers().has_value());
    for (std::string_view piece : fuzz::random_split(whole.sink.body_text, rng, 97))
      FUZZ_CHECK(parser.body(piece).has_value());
    FUZZ_CHECK(parser.finish().has_value());
    if (!parser.exceeded()) {
      FUZZ_CHECK(milter.fields.size() == whole.sink.fields.size());
      for (std::size_t i = 0; i < milter.fields.size(); ++i) {
        FUZZ_CHECK(milter.fields[i].name() == whole.sink.fields[i].name());
        FUZZ_CHECK_MSG(milter.fields[i].value() == whole.sink.fields[i].value(),
                       "given apart: [" + std::string(milter.fields[i].value()) + "] read: [" + std::string(whole.sink.fields[i].value()) + "]");
      }
      FUZZ_CHECK(milter.body_text == whole.sink.body_text);
    }

    // Serialized and parsed again: the same message.
    auto msg = mail::parse_message(bytes, limits);
    FUZZ_CHECK(msg.has_value());
    auto again = mail::parse_message(msg->serialize(), limits);
    FUZZ_CHECK_MSG(again.has_value(), msg->serialize());
    FUZZ_CHECK(again->headers.size() == msg->headers.size());
    for (std::size_t i = 0; i < msg->headers.size(); ++i)
      FUZZ_CHECK(again->headers[i].raw() == msg->headers[i].raw());
    FUZZ_CHECK(again->body == msg->body);
  }
  return 0;
}
