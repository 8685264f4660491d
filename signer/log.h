// Where the signer's log lines go: syslog (facility mail, as MTAs log) or stderr (systemd's
// journal, tests). One write per line, so lines from concurrent milter threads never interleave.
#pragma once

#include <string_view>

namespace dnsauth::signer::log {

enum class Level { error, warning, info };

void open_syslog();
void open_stderr();
void write(Level level, std::string_view line);

inline void error(std::string_view l) { write(Level::error, l); }
inline void warning(std::string_view l) { write(Level::warning, l); }
inline void info(std::string_view l) { write(Level::info, l); }

}  // namespace dnsauth::signer::log
