// The rates backend factory: the CPU always, CUDA refused loudly where it cannot be had;
// and where each stage of a study runs (the `stages` record and its warning), decided from
// the backend and `model::has_device_form()` alone, so a CPU-only build checks what a CUDA
// run would record.
#include "ismc/rates/backend.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/custom_models.hpp"
#include "ismc/core/error.hpp"
#include "ismc/rates/gaussian.hpp"

namespace ismc {
namespace {

// A test that ismc does not ship (as examples/custom_test): no device form.
using test::both_exceed;

// A shipped model renamed: the device still computes it, so it keeps its device form.
class renamed_one_sided : public gaussian_test_model {
 public:
  renamed_one_sided() : gaussian_test_model(1, test_kind::one_sided, 1.96) {}
  std::string name() const override { return "mine/one_sided"; }
};

const std::vector<rates_stage> importance_stages = {
    rates_stage::pilot, rates_stage::kmeans, rates_stage::labelling, rates_stage::four_index};

std::vector<std::string> places(const std::vector<stage_record>& records) {
  std::vector<std::string> out;
  for (const stage_record& record : records) out.push_back(record.ran_on);
  return out;
}

TEST(Backend, CudaIsRefusedLoudlyWhenNotCompiled) {
#if !defined(ISMC_HAVE_CUDA)
  EXPECT_THROW(make_backend(backend_kind::cuda), not_compiled);
#endif
  EXPECT_EQ(make_backend(backend_kind::cpu)->name(), "cpu");
}

TEST(Backend, OnlyTheShippedGaussianTestsHaveADeviceForm) {
  EXPECT_TRUE(gaussian_test_model(2, test_kind::norm, 5.0).has_device_form());
  EXPECT_TRUE(renamed_one_sided().has_device_form());
  EXPECT_FALSE(both_exceed().has_device_form());
}

TEST(Backend, StageNamesAreTheJsonKeys) {
  std::vector<std::string> names;
  for (rates_stage stage : {rates_stage::plain, rates_stage::pilot, rates_stage::kmeans,
                            rates_stage::labelling, rates_stage::four_index}) {
    names.push_back(to_string(stage));
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"plain", "pilot", "kmeans", "labelling", "four_index"}));
}

TEST(Backend, CudaRunsEveryStageButKmeansOfAModelWithADeviceForm) {
  EXPECT_EQ(places(stage_records("cuda", true, importance_stages)),
            (std::vector<std::string>{"cuda", "cpu", "cuda", "cuda"}));
  EXPECT_EQ(places(stage_records("cuda", true, {rates_stage::plain})),
            std::vector<std::string>{"cuda"});
  EXPECT_FALSE(host_stages_warning("gaussian/one_sided", "cuda",
                                   stage_records("cuda", true, importance_stages)));
}

TEST(Backend, CudaRunsAModelWithoutADeviceFormOnTheHostAndSaysSo) {
  const both_exceed model;
  const std::vector<stage_record> importance =
      stage_records("cuda", model.has_device_form(), importance_stages);
  EXPECT_EQ(places(importance), (std::vector<std::string>{"cpu", "cpu", "cpu", "cpu"}));
  EXPECT_EQ(host_stages_warning(model.name(), "cuda", importance),
            "backend cuda: model 'gaussian/both_exceed' has no device form, so stages pilot, "
            "labelling, four_index ran on the host (cpu)");
  const std::vector<stage_record> plain =
      stage_records("cuda", model.has_device_form(), {rates_stage::plain});
  EXPECT_EQ(places(plain), std::vector<std::string>{"cpu"});
  EXPECT_EQ(host_stages_warning(model.name(), "cuda", plain),
            "backend cuda: model 'gaussian/both_exceed' has no device form, so stage plain ran "
            "on the host (cpu)");
}

TEST(Backend, TheCpuBackendRunsEverythingOnTheHostWithoutWarning) {
  for (bool device_form : {false, true}) {
    const std::vector<stage_record> records = stage_records("cpu", device_form, importance_stages);
    EXPECT_EQ(places(records), (std::vector<std::string>{"cpu", "cpu", "cpu", "cpu"}));
    EXPECT_FALSE(host_stages_warning("gaussian/both_exceed", "cpu", records));
  }
}

}  // namespace
}  // namespace ismc
