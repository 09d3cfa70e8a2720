#include "ismc/io/study_file.hpp"

#include <string>
#include <vector>

#include "io/toml_reader.hpp"
#include "ismc/core/error.hpp"
#include "ismc/rates/registry.hpp"

namespace ismc::io {

namespace {

/// Turns a TOML document into a study, remembering the line of every field it read so
/// that errors found later (by `validate`) still point into the file.
class study_reader : public toml_reader {
 public:
  using toml_reader::toml_reader;

  rates_study read(const toml::table& root, memory_scope scope) {
    check_sections(root, {"model", "test", "grid", "run", "plain", "importance", "tiles", "null",
                          "validate", "calibrate"});

    rates_study study;
    read_model(root, study.model);
    read_test(root, study.test,
              find_registered_model(study.model.family) ? study.model.family : std::string());
    read_grid(root, study.grid);
    read_run(root, study.run);
    read_plain(root, study.plain);
    read_importance(root, study.importance);
    read_region(root, study);

    try {
      validate(study, scope);
    } catch (const input_error& e) {
      if (!e.file().empty()) throw;
      // Re-attach the file and the line where the field was written.
      throw in_file(e, file_, line_for(e.field()));
    }
    return study;
  }

 private:
  void read_model(const toml::table& root, model_spec& model) {
    read_section(
        root, "model",
        {{"family",
          [&](const toml::node& node, const std::string& field) {
            model.family = string(node, field,
                                  "\"gaussian\", \"normal_unknown_variance\", \"binomial\" "
                                  "or a registered model's name");
          }},
         {"dim",
          [&](const toml::node& node, const std::string& field) {
            model.dim = size(node, field, "an integer in [1, 64]");
          }},
         {"observations",
          [&](const toml::node& node, const std::string& field) {
            model.observations = size(node, field, "an integer >= 2 (the sample size n)");
          }},
         {"trials", [&](const toml::node& node, const std::string& field) {
            const toml::array& values =
                array(node, field, "an array of integers > 0 (trials per arm)");
            model.trials.clear();
            for (std::size_t n = 0; n < values.size(); ++n) {
              const std::string element = field + "[" + std::to_string(n) + "]";
              lines_[element] = line_of(values[n]);
              model.trials.push_back(size(values[n], element, "an integer in [1, 1000000]"));
            }
          }}});
    if (model.family == "binomial") {
      // θ_i = logit p_i, one per arm: dim, if given, must equal the arms (validate checks).
      require("model.trials", "an array of 1 to 8 integers in [1, 1000000] (trials per arm)");
      if (!has("model.dim")) model.dim = model.trials.size();
      return;
    }
    if (model.family == "normal_unknown_variance") {
      // θ = (μ, σ): dim is 2, and if given must say so (validate checks it).
      if (!has("model.dim")) model.dim = 2;
      require("model.observations", "an integer >= 2 (the sample size n)");
      return;
    }
    if (const registered_model* registered = find_registered_model(model.family)) {
      // A program's own family: θ has the family's length, and dim, if given, must say so.
      if (!has("model.dim")) model.dim = registered->dim;
      return;
    }
    require("model.dim", "an integer in [1, 64] (the dimension of theta)");
  }

  // `registered`: the name of a program's own family (empty for a shipped one), whose
  // statistic is its own: no kind.
  void read_test(const toml::table& root, test_spec& test, const std::string& registered) {
    const std::vector<std::string> kinds = {
        "one_sided", "two_sided", "sum", "max", "norm", "t", "count", "difference", "posterior"};
    read_section(root, "test",
                 {{"kind",
                   [&](const toml::node& node, const std::string& field) {
                     const std::string name = string(node, field, "a test name");
                     const auto kind = parse_test_kind(name);
                     if (!kind) fail(node, field, "got \"" + name + "\", " + one_of(kinds, name));
                     test.kind = *kind;
                   }},
                  {"critical", [&](const toml::node& node, const std::string& field) {
                     test.critical = number(node, field);
                   }}});
    if (!registered.empty() && has("test.kind")) {
      fail(line_for("test.kind"), "test.kind",
           "given for family \"" + registered +
               "\", expected no kind: a registered model's test is its own statistic");
    }
    if (registered.empty()) require("test.kind", one_of(kinds, ""));
    require("test.critical", "a finite number (the critical value c)");
  }

  void read_grid(const toml::table& root, grid_spec& grid) {
    read_section(root, "grid",
                 {{"lower",
                   [&](const toml::node& node, const std::string& field) {
                     grid.lower = numbers(node, field);
                   }},
                  {"upper",
                   [&](const toml::node& node, const std::string& field) {
                     grid.upper = numbers(node, field);
                   }},
                  {"points",
                   [&](const toml::node& node, const std::string& field) {
                     const toml::array& values = array(node, field, "an array of integers > 0");
                     grid.points.clear();
                     for (std::size_t n = 0; n < values.size(); ++n) {
                       const std::string element = field + "[" + std::to_string(n) + "]";
                       lines_[element] = line_of(values[n]);
                       grid.points.push_back(size(values[n], element, "an integer > 0"));
                     }
                   }},
                  {"thetas", [&](const toml::node& node, const std::string& field) {
                     const toml::array& targets =
                         array(node, field, "an array of targets, e.g. [[0.0], [1.5]]");
                     if (targets.empty())
                       fail(node, field, "got an empty array, expected at least one target");
                     grid.thetas.clear();
                     for (std::size_t j = 0; j < targets.size(); ++j) {
                       const std::string element = field + "[" + std::to_string(j) + "]";
                       lines_[element] = line_of(targets[j]);
                       if (!targets[j].is_array()) {
                         fail(targets[j], element,
                              "got " + describe(targets[j], true) +
                                  ", expected a target: an array of numbers, one per coordinate");
                       }
                       grid.thetas.push_back(numbers(targets[j], element));
                     }
                   }}});
    const bool has_thetas = lines_.count("grid.thetas") != 0;
    const bool has_cartesian =
        lines_.count("grid.lower") + lines_.count("grid.upper") + lines_.count("grid.points") != 0;
    if (has_thetas && has_cartesian) {
      fail(line_for("grid.thetas"), "grid.thetas",
           "given together with grid.lower/upper/points; expected either an explicit list of "
           "targets or a Cartesian grid, not both");
    }
    if (has_thetas) return;
    if (!has_cartesian) {
      fail(line_for("grid"), "grid",
           "missing; expected grid.thetas (a list of targets) or grid.lower, grid.upper and "
           "grid.points (a Cartesian grid)");
    }
    require("grid.lower",
            "an array of numbers, one per coordinate (with grid.upper and grid.points)");
    require("grid.upper",
            "an array of numbers, one per coordinate (with grid.lower and grid.points)");
    require("grid.points",
            "an array of integers > 0, one per coordinate (with grid.lower and grid.upper)");
  }

  void read_run(const toml::table& root, run_spec& run) {
    const std::vector<std::string> methods = {"plain", "importance", "validate", "calibrate"};
    read_section(root, "run",
                 {{"method",
                   [&](const toml::node& node, const std::string& field) {
                     const std::string name = string(
                         node, field, "\"plain\", \"importance\", \"validate\" or \"calibrate\"");
                     if (name == "plain") {
                       run.method = rate_method::plain;
                     } else if (name == "importance") {
                       run.method = rate_method::importance;
                     } else if (name == "validate") {
                       run.method = rate_method::validate;
                     } else if (name == "calibrate") {
                       run.method = rate_method::calibrate;
                     } else {
                       fail(node, field, "got \"" + name + "\", " + one_of(methods, name));
                     }
                   }},
                  {"seed",
                   [&](const toml::node& node, const std::string& field) {
                     run.seed = count(node, field, "an integer >= 0");
                   }},
                  {"confidence",
                   [&](const toml::node& node, const std::string& field) {
                     run.confidence = number(node, field);
                   }},
                  {"common_random_numbers",
                   [&](const toml::node& node, const std::string& field) {
                     run.common_random_numbers = boolean(node, field);
                   }},
                  {"chunk_targets", [&](const toml::node& node, const std::string& field) {
                     run.chunk_targets = count(node, field, "an integer > 0");
                   }}});
  }

  void read_plain(const toml::table& root, plain_spec& plain) {
    read_section(root, "plain", {{"sims", [&](const toml::node& node, const std::string& field) {
                                    plain.sims = count(node, field, "an integer > 0");
                                  }}});
  }

  // [tiles], [null], [validate] and [calibrate] (rates/tiles.hpp).
  void read_region(const toml::table& root, rates_study& study) {
    read_section(root, "tiles", {{"radii", [&](const toml::node& node, const std::string& field) {
                                    study.tiles.radii = numbers(node, field);
                                  }}});
    read_section(root, "null",
                 {{"normals",
                   [&](const toml::node& node, const std::string& field) {
                     const toml::array& normals =
                         array(node, field, "an array of normals, e.g. [[1.0]] for theta <= b");
                     if (normals.empty())
                       fail(node, field, "got an empty array, expected at least one normal");
                     study.null.normals.clear();
                     for (std::size_t k = 0; k < normals.size(); ++k) {
                       const std::string element = field + "[" + std::to_string(k) + "]";
                       lines_[element] = line_of(normals[k]);
                       if (!normals[k].is_array()) {
                         fail(normals[k], element,
                              "got " + describe(normals[k], true) +
                                  ", expected a normal: an array of numbers, one per coordinate");
                       }
                       study.null.normals.push_back(numbers(normals[k], element));
                     }
                   }},
                  {"offsets", [&](const toml::node& node, const std::string& field) {
                     study.null.offsets = numbers(node, field);
                   }}});
    if (has("null.normals") || has("null.offsets")) {
      require("null.normals", "an array of normals a_k (the null region a_k.eta <= b_k)");
      require("null.offsets", "an array of offsets b_k, one per normal");
    }
    read_section(root, "validate",
                 {{"estimator", [&](const toml::node& node, const std::string& field) {
                     const std::vector<std::string> estimators = {"plain", "importance"};
                     const std::string name = string(node, field, "\"plain\" or \"importance\"");
                     if (name != "plain" && name != "importance")
                       fail(node, field, "got \"" + name + "\", " + one_of(estimators, name));
                     study.validation.importance = name == "importance";
                   }}});
    read_section(root, "calibrate",
                 {{"alpha",
                   [&](const toml::node& node, const std::string& field) {
                     study.calibration.alpha = number(node, field);
                   }},
                  {"sims", [&](const toml::node& node, const std::string& field) {
                     study.calibration.sims = count(node, field, "an integer > 0");
                   }}});
  }

  void read_importance(const toml::table& root, importance_spec& importance) {
    const std::string positive = "an integer > 0";
    read_section(root, "importance",
                 {{"pilot_sims",
                   [&](const toml::node& node, const std::string& field) {
                     importance.pilot_sims = count(node, field, positive);
                   }},
                  {"clusters",
                   [&](const toml::node& node, const std::string& field) {
                     importance.clusters = size(node, field, positive);
                   }},
                  {"self_weight",
                   [&](const toml::node& node, const std::string& field) {
                     importance.self_weight = number(node, field);
                   }},
                  {"sims_per_proposal",
                   [&](const toml::node& node, const std::string& field) {
                     importance.sims_per_proposal = count(node, field, "an integer > 1");
                   }},
                  {"kmeans_restarts",
                   [&](const toml::node& node, const std::string& field) {
                     importance.kmeans_restarts = size(node, field, positive);
                   }},
                  {"kmeans_max_iterations",
                   [&](const toml::node& node, const std::string& field) {
                     importance.kmeans_max_iterations = size(node, field, positive);
                   }},
                  {"kmeans_subsample",
                   [&](const toml::node& node, const std::string& field) {
                     importance.kmeans_subsample = size(node, field, positive);
                   }},
                  {"max_pilot_doublings", [&](const toml::node& node, const std::string& field) {
                     importance.max_pilot_doublings = size(node, field, "an integer >= 0");
                   }}});
  }
};

}  // namespace

rates_study parse_study(const std::string& text, const std::string& source_name,
                        memory_scope scope) {
  return study_reader(source_name).read(parse_toml(text, source_name), scope);
}

rates_study load_study(const std::string& path, memory_scope scope) {
  return parse_study(read_text_file(path, "study file (TOML)"), path, scope);
}

}  // namespace ismc::io
