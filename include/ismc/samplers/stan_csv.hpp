#pragma once
/// @file stan_csv.hpp
/// @brief Stan CSV, as CmdStan writes it: configuration comments, the header, the
/// adaptation block, the draws and the timing block. The writer is a `draw_writer`; the
/// reader takes CmdStan's files and ours.

#include <cstddef>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "ismc/samplers/nuts.hpp"

namespace ismc {

/// What the configuration comments of a sampling run record.
struct stan_csv_header {
  std::string model;      ///< e.g. `eight_schools_noncentered`
  std::string data_file;  ///< the data file's path as given
  std::string init;       ///< the init radius or file, as given
  std::string output_file;
  nuts_config config;  ///< settings (config.chain is the chain id, config.seed the seed)
};

/// Writes one chain's Stan CSV to `out` as the chain runs.
class stan_csv_writer : public draw_writer {
 public:
  /// Writes the configuration comments and the column header at once.
  stan_csv_writer(std::ostream& out, const stan_csv_header& header,
                  const std::vector<std::string>& output_names);
  void draw(const nuts_draw& info, const double* outputs, bool warmup) override;
  void adaptation(double stepsize, const std::vector<double>& inverse_metric) override;
  void timing(double warmup_seconds, double sampling_seconds) override;

 private:
  std::ostream& out_;
  std::size_t n_outputs_;
  metric_kind metric_;
};

/// The sampler columns Stan writes before the model's: lp__ … energy__.
const std::vector<std::string>& stan_sampler_columns();

/// A parsed Stan CSV file.
struct stan_csv {
  std::string path;
  std::map<std::string, std::string> config;  ///< `key = value` comments, "(Default)" stripped
  std::vector<std::string> columns;
  std::vector<std::vector<double>> warmup_draws;  ///< rows before the adaptation block
  std::vector<std::vector<double>> draws;         ///< sampling rows
  double stepsize = 0.0;                          ///< from the adaptation block (0 if none)
  std::vector<double> inverse_metric;             ///< diagonal or dense, row-major
  double warmup_seconds = 0.0, sampling_seconds = 0.0;

  /// Index of a column by name; throws `input_error` naming the file when absent.
  std::size_t column(const std::string& name) const;
  /// All values of a column over the sampling draws.
  std::vector<double> values(const std::string& name) const;
};

/// Parses Stan CSV from `in`; `path` names it in errors. Throws `input_error` (file and
/// line) for malformed input: no header, rows of the wrong width, non-numbers.
stan_csv read_stan_csv(std::istream& in, const std::string& path);

/// Opens and parses a Stan CSV file.
stan_csv read_stan_csv_file(const std::string& path);

}  // namespace ismc
