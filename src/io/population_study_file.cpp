#include "ismc/io/population_study_file.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "io/toml_reader.hpp"
#include "ismc/core/error.hpp"

namespace ismc::io {

namespace {

/// Turns a TOML document into a population study. What depends on which keys the file
/// wrote is checked here; the rest by `validate`, whose errors get the file and the line
/// where the field was written.
class population_reader : public toml_reader {
 public:
  using toml_reader::toml_reader;

  population_study read(const toml::table& root) {
    check_sections(root, {"data", "run", "methods", "ensemble", "nuts", "likelihood"});
    population_study study;
    const std::string positive = "an integer > 0";
    read_section(root, "data",
                 {{"simulate",
                   [&](const toml::node& n, const std::string& f) {
                     study.simulate = boolean(n, f);
                   }},
                  {"objects",
                   [&](const toml::node& n, const std::string& f) {
                     study.setting.objects = size(n, f, positive);
                   }},
                  {"theta_mu",
                   [&](const toml::node& n, const std::string& f) {
                     study.setting.theta_mu = number(n, f);
                   }},
                  {"theta_sigma",
                   [&](const toml::node& n, const std::string& f) {
                     study.setting.theta_sigma = number(n, f);
                   }},
                  {"alpha",
                   [&](const toml::node& n, const std::string& f) {
                     study.setting.alpha = number(n, f);
                     study.alpha_given = true;
                   }},
                  {"samples_per_object",
                   [&](const toml::node& n, const std::string& f) {
                     study.setting.samples_per_object = size(n, f, positive);
                   }},
                  {"samples",
                   [&](const toml::node& n, const std::string& f) {
                     study.samples_path =
                         string(n, f, "a file path (CSV with columns object,value[,log_p0])");
                   }},
                  {"x", [&](const toml::node& n, const std::string& f) {
                     study.x_path = string(n, f, "a file path (CSV with header x)");
                   }}});
    read_section(root, "run", {{"seed", [&](const toml::node& n, const std::string& f) {
                                  study.seed = count(n, f, "an integer >= 0");
                                }}});
    read_section(root, "methods",
                 {{"point",
                   [&](const toml::node& n, const std::string& f) {
                     study.point = boolean(n, f);
                   }},
                  {"importance",
                   [&](const toml::node& n, const std::string& f) {
                     study.importance = boolean(n, f);
                   }},
                  {"nuts", [&](const toml::node& n, const std::string& f) {
                     study.nuts = boolean(n, f);
                   }}});
    read_section(root, "ensemble",
                 {{"walkers",
                   [&](const toml::node& n, const std::string& f) {
                     study.walkers = size(n, f, "an even integer >= 4");
                   }},
                  {"steps",
                   [&](const toml::node& n, const std::string& f) {
                     study.steps = size(n, f, positive);
                   }},
                  {"burn", [&](const toml::node& n, const std::string& f) {
                     study.burn = size(n, f, "an integer >= 0");
                   }}});
    read_section(root, "nuts",
                 {{"chains",
                   [&](const toml::node& n, const std::string& f) {
                     study.chains = size(n, f, positive);
                   }},
                  {"warmup",
                   [&](const toml::node& n, const std::string& f) {
                     study.warmup = size(n, f, "an integer >= 0");
                   }},
                  {"draws", [&](const toml::node& n, const std::string& f) {
                     study.draws = size(n, f, positive);
                   }}});
    read_section(root, "likelihood",
                 {{"variance_cut",
                   [&](const toml::node& n, const std::string& f) {
                     study.variance_cut = number(n, f);
                   }},
                  {"precision", [&](const toml::node& n, const std::string& f) {
                     const std::vector<std::string> precisions = {"double", "mixed"};
                     const std::string name = string(n, f, "\"double\" or \"mixed\"");
                     if (name != "double" && name != "mixed")
                       fail(n, f, "got \"" + name + "\", " + one_of(precisions, name));
                     study.precision = name == "mixed"
                                           ? hyper_likelihood_precision::mixed
                                           : hyper_likelihood_precision::double_precision;
                   }}});
    check(study);
    return study;
  }

 private:
  void check(population_study& study) const {
    const bool reads = !study.samples_path.empty();
    if (reads && has("data.simulate") && study.simulate) {
      fail(line_for("data.samples"), "data.samples",
           "given with simulate = true; expected one or the other");
    }
    if (reads) {
      study.simulate = false;
      for (const char* key : {"objects", "theta_mu", "theta_sigma", "samples_per_object"}) {
        const std::string field = std::string("data.") + key;
        if (has(field))
          fail(line_for(field), field,
               "only for simulated data; the samples come from data.samples");
      }
    }
    try {
      validate(study);
    } catch (const input_error& e) {
      if (!e.file().empty()) throw;
      throw in_file(e, file_, line_of_error(e.field()));
    }
  }

  // The line an error on `field` points at: where the field was written, or for a field
  // that is only missing when another setting asks for it, that setting's line.
  long line_of_error(const std::string& field) const {
    if (field == "data.samples") return line_for("data.simulate");  // simulate = false
    if (field == "data.x") return line_for("methods.nuts");         // nuts = true
    return line_for(field);
  }
};

// One CSV line's fields.
std::vector<std::string> fields_of(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) {
    const auto first = field.find_first_not_of(" \t\r");
    const auto last = field.find_last_not_of(" \t\r");
    fields.push_back(first == std::string::npos ? "" : field.substr(first, last - first + 1));
  }
  return fields;
}

double parse_double(const std::string& text, const std::string& file, long line,
                    const std::string& field) {
  if (text == "nan" || text == "NaN") return std::nan("");
  if (text == "-inf" || text == "-Inf") return -HUGE_VAL;
  if (text == "inf" || text == "Inf") return HUGE_VAL;
  double value = 0.0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || result.ec != std::errc() || result.ptr != text.data() + text.size()) {
    throw input_error(file, line, field, got_expected("'" + text + "'", "a number"));
  }
  return value;
}

}  // namespace

population_study parse_population_study(const std::string& text, const std::string& source_name) {
  return population_reader(source_name).read(parse_toml(text, source_name));
}

population_study load_population_study(const std::string& path) {
  population_study study = parse_population_study(read_text_file(path, "study file (TOML)"), path);
  // Data files named relative to the study file, wherever the program runs.
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  for (std::string* data_path : {&study.samples_path, &study.x_path}) {
    if (!data_path->empty() && std::filesystem::path(*data_path).is_relative()) {
      *data_path = (folder / *data_path).string();
    }
  }
  return study;
}

population_samples read_population_samples(const std::string& path) {
  std::istringstream in(read_text_file(path, "samples file (CSV)"));
  std::string line;
  long number = 0;
  if (!std::getline(in, line))
    throw input_error(path, 1, "", "empty file; expected a header object,value[,log_p0]");
  ++number;
  const std::vector<std::string> header = fields_of(line);
  const auto column = [&](const std::string& name) -> long {
    const auto found = std::find(header.begin(), header.end(), name);
    return found == header.end() ? -1 : static_cast<long>(found - header.begin());
  };
  const long object_column = column("object"), value_column = column("value"),
             p0_column = column("log_p0");
  if (object_column < 0 || value_column < 0) {
    throw input_error(path, 1, "",
                      got_expected("the header '" + line + "'",
                                   "the columns object,value and optionally log_p0"));
  }
  std::map<std::string, std::size_t> index;  // object id -> position (first appearance)
  std::vector<std::vector<double>> values, log_p0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::vector<std::string> fields = fields_of(line);
    if (fields.size() != header.size()) {
      throw input_error(path, number, "",
                        got_expected("a row of " + std::to_string(fields.size()) + " fields",
                                     std::to_string(header.size()) + " (the header's fields)"));
    }
    const std::string& id = fields[static_cast<std::size_t>(object_column)];
    const auto [where, inserted] = index.emplace(id, values.size());
    if (inserted) {
      values.emplace_back();
      log_p0.emplace_back();
    }
    const double value =
        parse_double(fields[static_cast<std::size_t>(value_column)], path, number, "value");
    if (!std::isfinite(value))
      throw input_error(
          path, number, "value",
          got_expected(fields[static_cast<std::size_t>(value_column)], "a finite sample"));
    values[where->second].push_back(value);
    if (p0_column >= 0) {
      const double p0 =
          parse_double(fields[static_cast<std::size_t>(p0_column)], path, number, "log_p0");
      if (!std::isfinite(p0)) {
        throw input_error(path, number, "log_p0",
                          got_expected(fields[static_cast<std::size_t>(p0_column)],
                                       "the finite log of a positive interim density"));
      }
      log_p0[where->second].push_back(p0);
    }
  }
  if (values.empty()) throw input_error(path, number, "", "no samples");
  population_samples samples;
  for (std::size_t i = 0; i < values.size(); ++i) {
    samples.values.insert(samples.values.end(), values[i].begin(), values[i].end());
    if (p0_column >= 0)
      samples.log_p0.insert(samples.log_p0.end(), log_p0[i].begin(), log_p0[i].end());
    samples.offsets.push_back(samples.values.size());
  }
  return samples;
}

std::vector<double> read_observations(const std::string& path) {
  std::istringstream in(read_text_file(path, "observations file (CSV)"));
  std::string line;
  long number = 0;
  if (!std::getline(in, line) || fields_of(line) != std::vector<std::string>{"x"}) {
    throw input_error(path, 1, "", got_expected("the header '" + line + "'", "the header x"));
  }
  ++number;
  std::vector<double> x;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const double value = parse_double(fields_of(line).at(0), path, number, "x");
    if (!std::isfinite(value))
      throw input_error(path, number, "x", got_expected(line, "a finite number"));
    x.push_back(value);
  }
  return x;
}

population_data read_population_data(const population_study& study) {
  population_data data;
  if (study.simulate) return data;
  data.samples = read_population_samples(study.samples_path);
  try {
    validate(data.samples);
  } catch (const input_error& e) {
    throw in_file(e, study.samples_path);
  }
  if (!study.x_path.empty()) {
    data.x = read_observations(study.x_path);
    if (data.x.size() != data.samples.objects()) {
      throw input_error(study.x_path, 0, "x",
                        std::to_string(data.x.size()) + " observations for " +
                            std::to_string(data.samples.objects()) + " objects in " +
                            study.samples_path);
    }
  }
  return data;
}

}  // namespace ismc::io
