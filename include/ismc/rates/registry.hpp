#pragma once
/// @file rates/registry.hpp
/// @brief Models a program registers by name, so that study files can name them
/// (`[model] family = "two_stage"`) and the study reader, `make_model` and both backends find
/// them.
///
/// A program's `main` registers its families before it runs the command line:
///
///     #include "ismc/cli/main.hpp"
///     #include "ismc/kernels/family_kernels.cuh"  // the device stages, under nvcc
///     #include "ismc/rates/registry.hpp"
///
///     int main(int argc, char** argv) {
///       ismc::register_model<two_stage>("two_stage");
///       return ismc::cli::main(argc, argv);
///     }
///
/// On the CPU a registered family runs through `family_model<Family>`. When nvcc compiles
/// the registration (the file includes ismc/kernels/family_kernels.cuh), the model also
/// carries the family's device stages, the library's kernel templates instantiated for
/// `Family` in that translation unit, and `--backend cuda` runs it on the device; compiled
/// by a host compiler, the same file registers the CPU form only.
///
/// A registered family's study file gives `[model] family` and `dim` (optional: the
/// family's `parameter_size()` by default, and if given it must equal it), `[test]
/// critical` (no `kind`: the family's statistic is its own) and the grid as for any model.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ismc/rates/backend.hpp"
#include "ismc/rates/family.hpp"
#include "ismc/rates/model.hpp"

namespace ismc {

/// What a study file sets for a registered model.
struct registered_model_settings {
  std::size_t dim = 0;    ///< `[model] dim`: the length of θ
  double critical = 0.0;  ///< `[test] critical`: reject when s(x) > critical
};

/// Makes the model of a registered family from a study's settings.
using model_maker = std::function<std::unique_ptr<model>(const registered_model_settings&)>;

/// A registered model: its parameter size and its maker.
struct registered_model {
  std::string name;  ///< the name study files use
  std::size_t dim;   ///< the length of θ the family takes
  model_maker make;  ///< builds the model
};

/// Registers `make` as the model named `name` with parameters of length `dim`. Throws
/// `usage_error` when `name` is empty, is a shipped family (`gaussian`,
/// `normal_unknown_variance`, `binomial`) or is registered already, or when `dim` is 0.
void register_model_maker(const std::string& name, std::size_t dim, model_maker make);

/// The registered model named `name`, or null.
const registered_model* find_registered_model(const std::string& name);

/// The registered models' names, sorted.
std::vector<std::string> registered_model_names();

/// Removes every registration (for tests that register and clean up).
void clear_registered_models();

namespace detail {

/// The device stages of `Family` (defined in ismc/kernels/family_kernels.cuh, which a
/// `.cu` file that registers a family includes).
template <class Family>
std::shared_ptr<backend> make_family_device_stages();

/// The model of `family`: with its device stages when nvcc compiles this.
template <class Family>
std::unique_ptr<model> make_registered_family_model(const Family& family) {
#if defined(__CUDACC__)
  return std::make_unique<family_model<Family>>(family, make_family_device_stages<Family>());
#else
  return std::make_unique<family_model<Family>>(family);
#endif
}

}  // namespace detail

/// Registers family `Family` (rates/family.hpp) as the model `name`, made by `make` from
/// the study's settings (the hook for a family with settings of its own; `make` may throw
/// `input_error` naming a field).
template <class Family, class Make>
void register_model(const std::string& name, Make make) {
  register_model_maker(name, static_cast<std::size_t>(Family{}.parameter_size()),
                       [make](const registered_model_settings& settings) {
                         return detail::make_registered_family_model<Family>(make(settings));
                       });
}

/// Registers family `Family` as the model `name`: a default-constructed `Family` whose
/// member `critical` is set from `[test] critical`.
template <class Family>
void register_model(const std::string& name) {
  register_model<Family>(name, [](const registered_model_settings& settings) {
    Family family{};
    family.critical = settings.critical;
    return family;
  });
}

}  // namespace ismc
