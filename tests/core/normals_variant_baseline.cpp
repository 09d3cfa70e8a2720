// src/core/normals.cpp's batch compiled for the baseline instruction set alone (SSE2, libm's
// fma), as ismc::standard_normals_batch_baseline (normals_test compares it with the
// library's).
#define ISMC_NORMAL_CLONES
#define ISMC_NORMALS_BATCH_ONLY
#define standard_normals_batch standard_normals_batch_baseline
#include "../../src/core/normals.cpp"  // NOLINT(bugprone-suspicious-include)
