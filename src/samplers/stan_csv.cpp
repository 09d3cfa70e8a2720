#include "ismc/samplers/stan_csv.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>

#include "ismc/core/config.hpp"
#include "ismc/core/error.hpp"
#include "ismc/core/number_text.hpp"

namespace ismc {

namespace {

std::string number(double value) { return number_text(value); }

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(line);
  while (std::getline(in, part, separator)) parts.push_back(trim(part));
  if (!line.empty() && line.back() == separator) parts.emplace_back();
  return parts;
}

bool parse_number(const std::string& text, double* value) {
  if (text == "nan" || text == "NaN" || text == "-nan") {
    *value = std::nan("");
    return true;
  }
  if (text == "inf" || text == "+inf" || text == "Inf" || text == "infinity") {
    *value = HUGE_VAL;
    return true;
  }
  if (text == "-inf" || text == "-Inf" || text == "-infinity") {
    *value = -HUGE_VAL;
    return true;
  }
  const char* begin = text.data();
  if (!text.empty() && text[0] == '+') ++begin;
  const auto result = std::from_chars(begin, text.data() + text.size(), *value);
  return result.ec == std::errc() && result.ptr == text.data() + text.size() && begin != result.ptr;
}

}  // namespace

const std::vector<std::string>& stan_sampler_columns() {
  static const std::vector<std::string> columns = {"lp__",        "accept_stat__", "stepsize__",
                                                   "treedepth__", "n_leapfrog__",  "divergent__",
                                                   "energy__"};
  return columns;
}

stan_csv_writer::stan_csv_writer(std::ostream& out, const stan_csv_header& header,
                                 const std::vector<std::string>& output_names)
    : out_(out), n_outputs_(output_names.size()), metric_(header.config.metric) {
  const nuts_config& c = header.config;
  // CmdStan's configuration comments, in its order and indentation; readers such as
  // rstan's read_stan_csv need num_samples, num_warmup, save_warmup and thin.
  out_ << "# ismc_version = " << ismc::version << "\n"
       << "# model = " << header.model << "\n"
       << "# method = sample (Default)\n"
       << "#   sample\n"
       << "#     num_samples = " << c.draws << "\n"
       << "#     num_warmup = " << c.warmup << "\n"
       << "#     save_warmup = " << (c.save_warmup ? 1 : 0) << "\n"
       << "#     thin = " << c.thin << "\n"
       << "#     adapt\n"
       << "#       engaged = " << (c.warmup > 0 ? 1 : 0) << "\n"
       << "#       gamma = " << number(c.adapt_gamma) << "\n"
       << "#       delta = " << number(c.adapt_delta) << "\n"
       << "#       kappa = " << number(c.adapt_kappa) << "\n"
       << "#       t0 = " << number(c.adapt_t0) << "\n"
       << "#       init_buffer = " << c.init_buffer << "\n"
       << "#       term_buffer = " << c.term_buffer << "\n"
       << "#       window = " << c.window << "\n"
       << "#     algorithm = hmc (Default)\n"
       << "#       hmc\n"
       << "#         engine = nuts (Default)\n"
       << "#           nuts\n"
       << "#             max_depth = " << c.max_depth << "\n"
       << "#         metric = " << (c.metric == metric_kind::dense ? "dense_e" : "diag_e") << "\n"
       << "#         metric_file =  (Default)\n"
       << "#         stepsize = " << number(c.stepsize) << "\n"
       << "#         stepsize_jitter = 0 (Default)\n"
       << "# id = " << c.chain << "\n"
       << "# data\n"
       << "#   file = " << header.data_file << "\n"
       << "# init = " << header.init << "\n"
       << "# random\n"
       << "#   seed = " << c.seed << "\n"
       << "# output\n"
       << "#   file = " << header.output_file << "\n"
       << "#   diagnostic_file =  (Default)\n"
       << "#   refresh = 100 (Default)\n";
  bool first = true;
  for (const std::string& name : stan_sampler_columns()) {
    out_ << (first ? "" : ",") << name;
    first = false;
  }
  for (const std::string& name : output_names) out_ << "," << name;
  out_ << "\n";
}

void stan_csv_writer::draw(const nuts_draw& info, const double* outputs, bool /*warmup*/) {
  out_ << number(info.lp) << "," << number(info.accept_stat) << "," << number(info.stepsize) << ","
       << info.treedepth << "," << info.n_leapfrog << "," << (info.divergent ? 1 : 0) << ","
       << number(info.energy);
  for (std::size_t n = 0; n < n_outputs_; ++n) out_ << "," << number(outputs[n]);
  out_ << "\n";
}

void stan_csv_writer::adaptation(double stepsize, const std::vector<double>& inverse_metric) {
  out_ << "# Adaptation terminated\n# Step size = " << number(stepsize) << "\n";
  if (metric_ == metric_kind::dense) {
    out_ << "# Elements of inverse mass matrix:\n";
    const auto size = static_cast<std::size_t>(
        std::llround(std::sqrt(static_cast<double>(inverse_metric.size()))));
    for (std::size_t row = 0; row < size; ++row) {
      out_ << "# ";
      for (std::size_t col = 0; col < size; ++col) {
        out_ << (col == 0 ? "" : ", ") << number(inverse_metric[row * size + col]);
      }
      out_ << "\n";
    }
  } else {
    out_ << "# Diagonal elements of inverse mass matrix:\n# ";
    for (std::size_t n = 0; n < inverse_metric.size(); ++n) {
      out_ << (n == 0 ? "" : ", ") << number(inverse_metric[n]);
    }
    out_ << "\n";
  }
}

void stan_csv_writer::timing(double warmup_seconds, double sampling_seconds) {
  char text[256];
  std::snprintf(
      text, sizeof text,
      "# \n#  Elapsed Time: %g seconds (Warm-up)\n#                %g seconds (Sampling)\n"
      "#                %g seconds (Total)\n# \n",
      warmup_seconds, sampling_seconds, warmup_seconds + sampling_seconds);
  out_ << text;
}

std::size_t stan_csv::column(const std::string& name) const {
  for (std::size_t c = 0; c < columns.size(); ++c)
    if (columns[c] == name) return c;
  throw input_error(path, 0, name, "no column '" + name + "' in the Stan CSV header");
}

std::vector<double> stan_csv::values(const std::string& name) const {
  const std::size_t c = column(name);
  std::vector<double> out;
  out.reserve(draws.size());
  for (const auto& row : draws) out.push_back(row[c]);
  return out;
}

stan_csv read_stan_csv(std::istream& in, const std::string& path) {
  stan_csv csv;
  csv.path = path;
  bool adapted = false;         // the adaptation block was seen
  bool reading_metric = false;  // inside the inverse-metric lines of that block
  std::string line;
  long line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) continue;
    if (line[0] == '#') {
      const std::string comment = trim(line.substr(1));
      if (comment.rfind("Adaptation terminated", 0) == 0) {
        // Rows before the adaptation block are warmup draws (saved with save_warmup).
        adapted = true;
        for (auto& row : csv.draws) csv.warmup_draws.push_back(std::move(row));
        csv.draws.clear();
        continue;
      }
      if (comment.rfind("Step size =", 0) == 0) {
        parse_number(trim(comment.substr(11)), &csv.stepsize);
        continue;
      }
      if (comment.find("inverse mass matrix") != std::string::npos) {
        reading_metric = true;
        continue;
      }
      if (comment.rfind("Elapsed Time:", 0) == 0 ||
          comment.find("seconds (") != std::string::npos) {
        reading_metric = false;
        double seconds = 0.0;
        const std::string text =
            comment.rfind("Elapsed Time:", 0) == 0 ? comment.substr(13) : comment;
        std::istringstream(trim(text)) >> seconds;
        if (comment.find("(Warm-up)") != std::string::npos) csv.warmup_seconds = seconds;
        if (comment.find("(Sampling)") != std::string::npos) csv.sampling_seconds = seconds;
        continue;
      }
      if (reading_metric && !comment.empty() && csv.draws.empty()) {
        for (const std::string& part : split(comment, ',')) {
          double value;
          if (!part.empty() && parse_number(part, &value)) csv.inverse_metric.push_back(value);
        }
        continue;
      }
      const auto equals = comment.find('=');
      if (equals != std::string::npos && csv.columns.empty()) {
        std::string value = trim(comment.substr(equals + 1));
        const auto suffix = value.find("(Default)");
        if (suffix != std::string::npos) value = trim(value.substr(0, suffix));
        csv.config[trim(comment.substr(0, equals))] = value;
      }
      continue;
    }
    reading_metric = false;
    if (csv.columns.empty()) {
      csv.columns = split(line, ',');
      for (std::size_t c = 0; c < csv.columns.size(); ++c) {
        for (std::size_t earlier = 0; earlier < c; ++earlier) {
          if (csv.columns[earlier] == csv.columns[c]) {
            throw input_error(
                path, line_number, csv.columns[c],
                got_expected("the column name twice (columns " + std::to_string(earlier + 1) +
                                 " and " + std::to_string(c + 1) + ")",
                             "each column once"));
          }
        }
      }
      continue;
    }
    // A draw without its line end is the last line of a file cut short: its last number
    // may be cut too, so it is not read as a draw.
    if (in.eof()) {
      throw input_error(path, line_number, "",
                        got_expected("a last line without a line end (a file cut short)",
                                     "every draw ending with a line end"));
    }
    const std::vector<std::string> parts = split(line, ',');
    if (parts.size() != csv.columns.size()) {
      throw input_error(path, line_number, "",
                        "a draw has " + std::to_string(parts.size()) + " values, the header " +
                            std::to_string(csv.columns.size()));
    }
    std::vector<double> row(parts.size());
    for (std::size_t c = 0; c < parts.size(); ++c) {
      if (!parse_number(parts[c], &row[c])) {
        throw input_error(path, line_number, csv.columns[c], "'" + parts[c] + "' is not a number");
      }
    }
    csv.draws.push_back(std::move(row));
  }
  if (csv.columns.empty())
    throw input_error(path, line_number, "", "no header line: not a Stan CSV file");
  // Saved warmup without an adaptation block (adaptation off): the first rows are warmup,
  // as many as the configuration says (CmdStan's num_warmup, rstan's warmup).
  const auto setting = [&](const char* key) -> long {
    const auto found = csv.config.find(key);
    if (found == csv.config.end()) return -1;
    try {
      return std::stol(found->second);
    } catch (const std::exception&) {
      return -1;
    }
  };
  if (!adapted && setting("save_warmup") == 1) {
    const long warmup = std::max(setting("num_warmup"), setting("warmup"));
    const long thin = std::max(1L, setting("thin"));
    const auto rows = static_cast<std::size_t>(std::max(0L, (warmup + thin - 1) / thin));
    const std::size_t moved = std::min(rows, csv.draws.size());
    csv.warmup_draws.assign(
        std::make_move_iterator(csv.draws.begin()),
        std::make_move_iterator(csv.draws.begin() + static_cast<std::ptrdiff_t>(moved)));
    csv.draws.erase(csv.draws.begin(), csv.draws.begin() + static_cast<std::ptrdiff_t>(moved));
  }
  return csv;
}

stan_csv read_stan_csv_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw input_error(path, 0, "", "cannot open the file");
  return read_stan_csv(in, path);
}

}  // namespace ismc
