// Dropping root once the sockets are bound.
#pragma once

#include <string>

namespace dnsauth::signer {

// Switches to `user` (its uid, gid and supplementary groups) and gives it the unix socket named
// by `socket` (libmilter's "unix:PATH"/"local:PATH"), so the user can remove it at exit. Refuses
// to go on when root could be regained afterwards. Empty string on success (or when `user` is
// empty, or the process already runs as that user), else what went wrong.
std::string drop_privileges(const std::string& user, const std::string& socket);

}  // namespace dnsauth::signer
