// A reload must free the key set it replaces. Loads through KeyStore::reload, good and refused
// in turn: the replaced sets are gone, and under AddressSanitizer (the sanitizer build of
// scripts/test.sh) the leak checker sees at exit whatever 1,000 of them lost. In the other
// builds glibc's count of bytes in use (mallinfo2) must not grow from the 1,000th reload to
// the 2,000th: before that it does, by some 80 KB, as OpenSSL's own caches fill while it
// decodes keys (a loop of PrivateKey::from_pem alone grows the same way and stops near the
// same count), and those are freed at exit.
#include <gtest/gtest.h>

#include <malloc.h>

#include "core/signing/key_store.h"
#include "support/signer_fixture.h"

namespace dnsauth::signing {
namespace {

using test::SignerDir;
using test::signer_config;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCountsHeap = false;  // ASan's allocator: mallinfo2 says nothing; LSan checks at exit
constexpr int kReloads = 1000;
#else
constexpr bool kCountsHeap = true;
constexpr int kReloads = 2000;
#endif

std::size_t heap_in_use() { return ::mallinfo2().uordblks; }

TEST(SignerReload, ReloadsFreeEveryReplacedKeySet) {
  SignerDir d;
  auto path = d.write_config(signer_config());
  const std::string good = signer_config();
  const std::string broken = signer_config() + "[[domain]]\nname = \"example.com\"\n";  // configured twice
  LoadResult first = load_key_set(path);
  ASSERT_TRUE(first.ok());
  KeyStore store(first.keys);
  first.keys.reset();
  std::weak_ptr<const KeySet> initial = store.current();

  std::size_t at_1000 = 0;
  for (int i = 1; i <= kReloads; ++i) {
    bool refused = i % 4 == 0;  // every fourth load is refused and keeps the set in force
    d.write_config(refused ? broken : good);
    LoadResult r = store.reload(path);
    ASSERT_EQ(r.ok(), !refused) << i << ": " << r.errors();
    if (i == 1000) at_1000 = heap_in_use();
  }
  EXPECT_TRUE(initial.expired()) << "the first key set outlived its replacement";
  EXPECT_EQ(store.current().use_count(), 2) << "someone besides the store holds the set in force";
  if (kCountsHeap) {
    std::size_t at_2000 = heap_in_use();
    // 1,000 reloads: 16 bytes lost per reload would exceed this.
    EXPECT_LE(at_2000, at_1000 + 16 * 1024) << "heap in use " << at_1000 << " bytes after 1000 reloads, " << at_2000
                                            << " after 2000";
  }
}

}  // namespace
}  // namespace dnsauth::signing
