// src/core/normals.cpp's batch compiled for AVX2 + FMA alone, as
// ismc::standard_normals_batch_avx2 (normals_test compares it with the library's).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define ISMC_NORMAL_CLONES __attribute__((target("arch=x86-64-v3")))
#define ISMC_NORMALS_BATCH_ONLY
#define standard_normals_batch standard_normals_batch_avx2
#include "../../src/core/normals.cpp"  // NOLINT(bugprone-suspicious-include)
#endif
