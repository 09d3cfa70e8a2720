#include "ismc/rates/backend.hpp"

#include <algorithm>
#include <vector>

#include "core/parallel.hpp"
#include "rates/cpu_backend.hpp"
#include "backend/device_choice.hpp"
#include "ismc/core/devices.hpp"
#include "ismc/core/error.hpp"
#include "rates/backend_cuda.hpp"

namespace ismc {

std::string to_string(rates_stage stage) {
  switch (stage) {
    case rates_stage::plain:
      return "plain";
    case rates_stage::pilot:
      return "pilot";
    case rates_stage::kmeans:
      return "kmeans";
    case rates_stage::labelling:
      return "labelling";
    case rates_stage::four_index:
      return "four_index";
  }
  throw usage_error("unknown rates stage");
}

std::string stage_place(const std::string& backend_name, bool has_device_form, rates_stage stage) {
  if (backend_name == "cpu" || stage == rates_stage::kmeans || !has_device_form) return "cpu";
  return backend_name;
}

std::vector<stage_record> stage_records(const std::string& backend_name, bool has_device_form,
                                        const std::vector<rates_stage>& stages) {
  std::vector<stage_record> records;
  records.reserve(stages.size());
  for (const rates_stage stage : stages) {
    records.push_back({stage, stage_place(backend_name, has_device_form, stage)});
  }
  return records;
}

std::optional<std::string> host_stages_warning(const std::string& model_name,
                                               const std::string& backend_name,
                                               const std::vector<stage_record>& stages) {
  if (backend_name == "cpu") return std::nullopt;
  std::string on_host;
  std::size_t count = 0;
  for (const stage_record& record : stages) {
    if (record.stage == rates_stage::kmeans || record.ran_on != "cpu") continue;
    on_host += (count++ == 0 ? "" : ", ") + to_string(record.stage);
  }
  if (count == 0) return std::nullopt;
  return "backend " + backend_name + ": model '" + model_name + "' has no device form, so " +
         (count == 1 ? "stage " : "stages ") + on_host + " ran on the host (cpu)";
}

std::unique_ptr<backend> make_cpu_backend() { return std::make_unique<detail::cpu_backend>(); }

namespace detail {

void resimulate_kept_samples(const model& model, const double* params, std::uint64_t seed,
                             bool common_random_numbers, const kept_samples& kept, unsigned threads,
                             std::vector<double>& samples) {
  constexpr std::size_t per_task = 4096;  // kept samples simulated again per task
  const std::size_t dim = model.dim();
  const std::size_t cluster_size = model.cluster_size();
  const std::size_t base = samples.size();
  samples.resize(base + kept.count * cluster_size);
  const std::size_t tasks = (kept.count + per_task - 1) / per_task;
  parallel_for(tasks, threads, [&](std::size_t task) {
    std::vector<double> x(model.sample_size());
    const std::size_t row_end = std::min(kept.count, (task + 1) * per_task);
    for (std::size_t row = task * per_task; row < row_end; ++row) {
      const std::size_t j = kept.first_param + kept.flat_indices[row] / kept.span;
      const std::uint64_t i = kept.sim_begin + kept.flat_indices[row] % kept.span;
      const random_stream stream{seed,
                                 streams::target(kept.first_target + j, common_random_numbers)};
      model.simulate(params + j * dim, stream, i, x.data());
      model.cluster_point(x.data(), samples.data() + base + row * cluster_size);
    }
  });
}

}  // namespace detail

std::unique_ptr<backend> make_backend(backend_kind kind) {
  const bool on_device = detail::use_device(kind);
#if defined(ISMC_HAVE_CUDA)
  if (on_device) return detail::make_cuda_backend();
#else
  (void)on_device;
#endif
  return make_cpu_backend();
}

}  // namespace ismc
