// The one size limit: the limit from ISMC_MEMORY_LIMIT or the physical memory, the text of
// a size, the refusal's wording.
#include "ismc/core/memory.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "ismc/core/error.hpp"
#include "support/error_messages.hpp"

namespace ismc {
namespace {

TEST(Memory, LimitIsHalfThePhysicalMemoryUnlessSet) {
  unsetenv("ISMC_MEMORY_LIMIT");
  const std::uint64_t physical = physical_memory_bytes();
  ASSERT_GT(physical, 0u);
  EXPECT_EQ(memory_limit_bytes(), physical / 2);
  setenv("ISMC_MEMORY_LIMIT", "3G", 1);
  EXPECT_EQ(memory_limit_bytes(), 3ull << 30);
  setenv("ISMC_MEMORY_LIMIT", "1536", 1);
  EXPECT_EQ(memory_limit_bytes(), 1536u);
  setenv("ISMC_MEMORY_LIMIT", "2.5K", 1);
  EXPECT_EQ(memory_limit_bytes(), 2560u);
  setenv("ISMC_MEMORY_LIMIT", "lots", 1);
  EXPECT_EQ(testing::usage_message([] { memory_limit_bytes(); }),
            "ISMC_MEMORY_LIMIT: got lots, expected a number of bytes >= 1, optionally with K, M, "
            "G or T");
  setenv("ISMC_MEMORY_LIMIT", "4Q", 1);
  EXPECT_THROW(memory_limit_bytes(), usage_error);
  unsetenv("ISMC_MEMORY_LIMIT");
}

TEST(Memory, SizesReadInBinaryUnits) {
  EXPECT_EQ(memory_text(512), "512 bytes");
  EXPECT_EQ(memory_text(1536), "1.5 KiB");
  EXPECT_EQ(memory_text(3.0 * (1ull << 30)), "3 GiB");
  EXPECT_EQ(memory_text(1e30), "8.67e+11 EiB");
}

TEST(Memory, ShortfallNamesTheNeedAndTheLimit) {
  setenv("ISMC_MEMORY_LIMIT", "1M", 1);
  EXPECT_EQ(memory_shortfall(1024.0 * 1024.0), "");
  EXPECT_EQ(memory_shortfall(2.0 * 1024 * 1024),
            "a size that fits in memory: this needs 2 MiB, over the limit of 1 MiB "
            "(ISMC_MEMORY_LIMIT)");
  unsetenv("ISMC_MEMORY_LIMIT");
  EXPECT_NE(memory_shortfall(1e30).find("(half the physical memory; ISMC_MEMORY_LIMIT sets "
                                        "another)"),
            std::string::npos);
}

}  // namespace
}  // namespace ismc
