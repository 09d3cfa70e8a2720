#include "ismc/rates/registry.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <utility>

#include "ismc/core/error.hpp"

namespace ismc {

namespace {

struct registry {
  std::mutex mutex;
  std::map<std::string, registered_model> models;
};

registry& the_registry() {
  static registry instance;
  return instance;
}

}  // namespace

void register_model_maker(const std::string& name, std::size_t dim, model_maker make) {
  if (name.empty())
    throw usage_error(bad_value("register_model: name", "\"\"", "a non-empty name"));
  if (name == "gaussian" || name == "normal_unknown_variance" || name == "binomial") {
    throw usage_error(
        bad_value("register_model: name", "\"" + name + "\"",
                  "a name other than the shipped families gaussian, normal_unknown_variance "
                  "and binomial"));
  }
  if (dim == 0) {
    throw usage_error(bad_value("register_model: " + name + ": parameter size", "0",
                                "at least 1 (the length of theta)"));
  }
  if (!make)
    throw usage_error(bad_value("register_model: " + name + ": maker", "empty", "a function"));
  registry& r = the_registry();
  const std::lock_guard<std::mutex> lock(r.mutex);
  if (r.models.count(name) != 0) {
    throw usage_error(
        bad_value("register_model: name", "\"" + name + "\"", "a name not registered yet"));
  }
  r.models.emplace(name, registered_model{name, dim, std::move(make)});
}

const registered_model* find_registered_model(const std::string& name) {
  registry& r = the_registry();
  const std::lock_guard<std::mutex> lock(r.mutex);
  const auto found = r.models.find(name);
  return found == r.models.end() ? nullptr : &found->second;
}

std::vector<std::string> registered_model_names() {
  registry& r = the_registry();
  const std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<std::string> names;
  for (const auto& entry : r.models) names.push_back(entry.first);
  return names;
}

void clear_registered_models() {
  registry& r = the_registry();
  const std::lock_guard<std::mutex> lock(r.mutex);
  r.models.clear();
}

}  // namespace ismc
