// The `ismc` command line with one more model, `two_stage` (two_stage.hpp): study files name
// it with `[model] family = "two_stage"`. Compiled by nvcc, this file instantiates the
// library's rates kernels for the family (ismc/kernels/family_kernels.cuh), so
// `--backend cuda` runs it on the GPU; compiled as C++ (no CUDA), it registers the CPU form.
#include "ismc/cli/main.hpp"
#include "ismc/kernels/family_kernels.cuh"
#include "ismc/rates/registry.hpp"
#include "two_stage.hpp"

int main(int argc, char** argv) {
  ismc::register_model<two_stage>("two_stage");
  return ismc::cli::main(argc, argv);
}
