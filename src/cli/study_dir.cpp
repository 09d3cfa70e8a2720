// A study directory: resolved study, append-only log, lock, outputs streamed from the log
// (cli/study_dir.hpp).
#include "cli/study_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/atomic_file.hpp"
#include "cli/error_context.hpp"
#include "cli/mpi_rates.hpp"
#include "cli/progress_bar.hpp"
#include "cli/rates_output.hpp"
#include "cli/run_context.hpp"
#include "ismc/backend/backend_kind.hpp"
#include "ismc/core/config.hpp"
#include "ismc/core/error.hpp"
#include "ismc/core/number_text.hpp"
#include "ismc/core/streams.hpp"
#include "ismc/core/test_fault.hpp"
#include "ismc/io/study_file.hpp"
#include "ismc/rates/backend.hpp"
#include "ismc/rates/rates.hpp"

namespace ismc::cli {

namespace fs = std::filesystem;

namespace {

// Above this many targets the JSON report points to the CSV instead of listing rows, and
// the table shows the first and last rows and a summary.
constexpr std::uint64_t json_row_limit = 100000;
constexpr std::size_t table_row_limit = 100;
constexpr std::size_t table_edge_rows = 5;

std::string toml_string(const std::string& text) { return "\"" + text + "\""; }

template <class T>
std::string toml_array(const std::vector<T>& values) {
  std::string text = "[";
  for (std::size_t n = 0; n < values.size(); ++n) {
    if (n > 0) text += ", ";
    if constexpr (std::is_floating_point_v<T>) {
      text += number_text(values[n]);
    } else {
      text += std::to_string(values[n]);
    }
  }
  return text + "]";
}

// Which shard of how many: "i/n" with 0 <= i < n.
struct shard_spec {
  std::uint64_t index = 0;
  std::uint64_t count = 1;
  std::string text() const { return std::to_string(index) + "/" + std::to_string(count); }
};

shard_spec parse_shard(const std::string& text) {
  const std::string expected = "I/N with 0 <= I < N, e.g. 0/3";
  const std::size_t slash = text.find('/');
  shard_spec shard;
  try {
    if (slash == std::string::npos) throw std::invalid_argument("no slash");
    std::size_t used = 0;
    const std::string first = text.substr(0, slash), second = text.substr(slash + 1);
    if (first.empty() || second.empty() || first[0] == '-' || second[0] == '-') {
      throw std::invalid_argument("sign");
    }
    shard.index = std::stoull(first, &used);
    if (used != first.size()) throw std::invalid_argument("index");
    shard.count = std::stoull(second, &used);
    if (used != second.size()) throw std::invalid_argument("count");
  } catch (const std::exception&) {
    throw usage_error(bad_value("--shard", text, expected));
  }
  if (shard.count == 0 || shard.index >= shard.count) {
    throw usage_error(bad_value("--shard", text, expected));
  }
  return shard;
}

// The facts a log records about its study, checked on every resume and merge.
std::map<std::string, std::string> study_facts(const rates_study& study, const std::string& toml,
                                               const std::string& backend_name,
                                               const std::string& shard) {
  std::uint64_t n_targets = study.grid.thetas.size();
  if (study.grid.thetas.empty()) {  // counted, not built: the caller holds the targets already
    n_targets = 1;
    for (std::size_t points : study.grid.points) n_targets *= points;
  }
  const std::uint64_t chunks = (n_targets + study.run.chunk_targets - 1) / study.run.chunk_targets;
  return {{"study_toml", toml},
          {"study_hash", text_hash(toml)},
          {"ismc_version", ismc::version},
          {"method", to_string(study.run.method)},
          {"backend", backend_name},
          {"targets", std::to_string(n_targets)},
          {"chunk_targets", std::to_string(study.run.chunk_targets)},
          {"chunks", std::to_string(chunks)},
          {"shard", shard}};
}

std::uint64_t fact_number(const results_log& log, const std::string& key) {
  const std::string& text = log.fact(key);
  try {
    std::size_t used = 0;
    const std::uint64_t value = std::stoull(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  throw input_error(log.path(), 0, "meta." + key, got_expected(text, "an integer"));
}

// Removes temporaries a killed run left while writing outputs (`NAME.tmp.PID`): only under
// the lock, so no live writer owns them.
void remove_stale_temporaries(const study_dir_paths& paths) {
  std::error_code ignored;
  for (const std::string& output : {paths.csv(), paths.json(), paths.study()}) {
    const std::string prefix = fs::path(output).filename().string() + ".tmp.";
    for (const auto& entry : fs::directory_iterator(paths.dir, ignored)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind(prefix, 0) == 0) fs::remove(entry.path(), ignored);
    }
  }
}

// The table of a large study: the first and last rows, then a summary.
std::string large_table(const std::vector<rate_row>& edges, std::size_t dim,
                        std::uint64_t n_targets, const rate_row& lowest, const rate_row& highest,
                        double largest_error) {
  std::istringstream table(format_table(edges, dim));
  std::string text, line;
  for (std::size_t n = 0; std::getline(table, line); ++n) {
    text += line + "\n";
    if (n == table_edge_rows) {
      text += "  ... " + std::to_string(n_targets - 2 * table_edge_rows) +
              " more targets (every row is in the CSV) ...\n";
    }
  }
  const auto theta_text = [](const rate_row& row) {
    std::string out = "(";
    for (std::size_t n = 0; n < row.theta.size(); ++n) {
      out += (n > 0 ? ", " : "") + number_text(row.theta[n]);
    }
    return out + ")";
  };
  text += "# " + std::to_string(n_targets) + " targets: estimate from " +
          number_text(lowest.estimate) + " at theta " + theta_text(lowest) + " to " +
          number_text(highest.estimate) + " at theta " + theta_text(highest) +
          "; largest std_error " + number_text(largest_error) + "\n";
  return text;
}

// What a finished study's outputs need besides the log.
struct study_run {
  rates_study study;
  study_dir_paths paths;
  std::string backend_name;
  std::vector<std::string> warnings;
  std::optional<importance_plan> plan;
  double wall_seconds = 0.0;
  std::vector<std::string> extra_csv;   // --out
  std::vector<std::string> extra_json;  // --json
};

// Every chunk once, in order, each as the study's chunking says.
std::vector<logged_chunk> complete_chunks(const results_log& log, const rates_study& study,
                                          std::uint64_t n_targets) {
  std::vector<logged_chunk> chunks = log.chunks();
  const std::uint64_t size = study.run.chunk_targets;
  const std::uint64_t expected = (n_targets + size - 1) / size;
  if (chunks.size() != expected) {
    throw runtime_failure("the log '" + log.path() + "' holds " + std::to_string(chunks.size()) +
                          " of the study's " + std::to_string(expected) + " chunks");
  }
  for (std::uint64_t c = 0; c < expected; ++c) {
    const std::uint64_t first = c * size;
    const std::uint64_t count = std::min(size, n_targets - first);
    if (chunks[c].index != c || chunks[c].first != first || chunks[c].count != count) {
      throw input_error(
          log.path(), 0, "chunks",
          got_expected("chunk " + std::to_string(chunks[c].index) + " of targets [" +
                           std::to_string(chunks[c].first) + ", +" +
                           std::to_string(chunks[c].count) + ")",
                       "chunk " + std::to_string(c) + " of targets [" + std::to_string(first) +
                           ", +" + std::to_string(count) + ")"));
    }
  }
  return chunks;
}

// The CSV, the JSON report and the table, streamed from the log a chunk at a time; the
// files appear together or not at all.
void write_outputs(const results_log& log, const study_run& run) {
  const rates_study& study = run.study;
  const std::size_t dim = study.model.dim;
  const std::uint64_t n_targets = fact_number(log, "targets");
  const std::vector<logged_chunk> chunks = complete_chunks(log, study, n_targets);
  csv_columns columns;
  columns.dim = dim;
  columns.probabilities = study.model.family == "binomial";
  std::uint64_t without_spread = 0;
  for (const logged_chunk& chunk : chunks) {
    columns.exact = columns.exact || chunk.has_exact;
    columns.ess = columns.ess || chunk.has_ess;
    without_spread += chunk.without_spread;
  }
  std::vector<std::string> warnings = run.warnings;
  if (without_spread > 0)
    warnings.push_back(without_spread_warning(without_spread, study.importance));
  const std::unique_ptr<model> model = make_model(study.model, study.test);
  std::vector<rates_stage> stage_list = {rates_stage::plain};
  if (study.run.method == rate_method::importance) {
    stage_list = {rates_stage::pilot};
    if (run.plan && !run.plan->plain_fallback) {
      stage_list = {rates_stage::pilot, rates_stage::kmeans, rates_stage::labelling,
                    rates_stage::four_index};
    }
  }
  const std::vector<stage_record> stages =
      stage_records(run.backend_name, model->has_device_form(), stage_list);
  if (auto warning = host_stages_warning(model->name(), run.backend_name, stages)) {
    warnings.push_back(std::move(*warning));
  }

  staged_files files;
  std::vector<std::unique_ptr<output_file>> csv_files;
  std::vector<std::string> csv_paths = {run.paths.csv()};
  csv_paths.insert(csv_paths.end(), run.extra_csv.begin(), run.extra_csv.end());
  for (const std::string& path : csv_paths) {
    csv_files.push_back(std::make_unique<output_file>(path, files.stage(path)));
    csv_files.back()->stream() << csv_header(columns);
  }
  const bool list_rows = n_targets <= json_row_limit;
  nlohmann::json rows_json = nlohmann::json::array();
  std::vector<rate_row> first_rows, last_rows;
  std::optional<rate_row> lowest, highest;
  double largest_error = 0.0;
  std::uint64_t written = 0;
  for (const logged_chunk& chunk : chunks) {
    const std::vector<rate_row> rows = log.read_rows(chunk.index, dim);
    const std::string lines = csv_lines(rows, columns);
    for (auto& file : csv_files) file->stream() << lines;
    for (const rate_row& row : rows) {
      if (list_rows) rows_json.push_back(to_json(row));
      if (first_rows.size() < table_row_limit) first_rows.push_back(row);
      last_rows.push_back(row);
      if (last_rows.size() > table_edge_rows) last_rows.erase(last_rows.begin());
      if (!lowest || row.estimate < lowest->estimate) lowest = row;
      if (!highest || row.estimate > highest->estimate) highest = row;
      largest_error = std::max(largest_error, row.std_error);
    }
    if (test_fault_strikes(test_fault::kill_in_csv)) {
      for (auto& file : csv_files) file->stream().flush();
      std::raise(SIGKILL);
    }
    written += rows.size();
  }
  for (auto& file : csv_files) file->finish();

  nlohmann::json report = {
      {"ismc_version", ismc::version},
      {"seed", study.run.seed},
      {"backend", run.backend_name},
      {"wall_seconds", run.wall_seconds},
      {"study", to_json(study, list_rows)},
      {"study_dir", {{"log", "results.sqlite"}, {"chunks", chunks.size()}, {"targets", written}}},
  };
  if (list_rows) {
    report["rows"] = std::move(rows_json);
  } else {
    report["rows_csv"] = "rates.csv";  // too many rows for JSON: they are in the CSV
  }
  report["warnings"] = warnings;
  nlohmann::json stage_json = nlohmann::json::object();
  for (const stage_record& record : stages) stage_json[to_string(record.stage)] = record.ran_on;
  report["stages"] = std::move(stage_json);
  if (run.plan) {
    if (list_rows) {
      report["importance"] = to_json(run.plan->details, dim);
    } else {
      const importance_details& details = run.plan->details;
      report["importance"] = {{"pilot_sims", details.pilot_sims},
                              {"clusters", details.clusters},
                              {"cluster_centres", details.cluster_centres},
                              {"cluster_sizes", details.cluster_sizes},
                              {"sims_per_proposal", details.sims_per_proposal},
                              {"sims_per_target", details.sims_per_target},
                              {"per_target", "in the log's plan (results.sqlite)"}};
    }
  }
  const std::string report_text = report.dump(2) + "\n";
  files.write(run.paths.json(), report_text);
  for (const std::string& path : run.extra_json) files.write(path, report_text);

  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.3g", run.wall_seconds);
  std::cout << "# " << model->name() << ", method " << to_string(study.run.method) << ", "
            << n_targets << (n_targets == 1 ? " target" : " targets") << ", seed " << study.run.seed
            << ", backend " << run.backend_name << ", " << seconds << " s, study directory "
            << run.paths.dir << "\n";
  if (n_targets <= table_row_limit) {
    std::cout << format_table(first_rows, dim);
  } else {
    std::vector<rate_row> edges(first_rows.begin(),
                                first_rows.begin() + static_cast<std::ptrdiff_t>(table_edge_rows));
    edges.insert(edges.end(), last_rows.begin(), last_rows.end());
    std::cout << large_table(edges, dim, n_targets, *lowest, *highest, largest_error);
  }
  std::cout << std::flush;
  for (const std::string& warning : warnings) std::cerr << "ismc: warning: " << warning << "\n";
  files.commit();
}

// The study of a directory's log, checked against the log's own facts.
rates_study logged_study(const results_log& log, const study_dir_paths& paths) {
  const std::string& toml = log.fact("study_toml");
  if (text_hash(toml) != log.fact("study_hash")) {
    throw input_error(
        log.path(), 0, "meta.study_hash",
        got_expected(log.fact("study_hash"), "the hash of its study, " + text_hash(toml)));
  }
  return io::parse_study(toml, paths.study(), memory_scope::chunked);
}

results_log open_existing_log(const study_dir_paths& paths, const std::string& flag) {
  std::error_code ignored;
  if (!fs::is_directory(paths.dir, ignored)) {
    throw usage_error(bad_value(flag, paths.dir, "a study directory (made by --out-dir)"));
  }
  if (!fs::exists(paths.log(), ignored)) {
    throw usage_error(flag + ": '" + paths.dir + "' has no log '" + paths.log() +
                      "' (missing); expected a study directory made by --out-dir");
  }
  return results_log::open(paths.log(), false);
}

// The first field where two resolved studies (resolved_study_toml) differ, with its value
// in each ("(none)" where one lacks it).
struct study_difference {
  std::string field, logged, given;
};

std::vector<std::pair<std::string, std::string>> resolved_fields(const std::string& toml) {
  std::vector<std::pair<std::string, std::string>> fields;
  std::istringstream lines(toml);
  std::string section;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      section = line.substr(1, line.find(']') - 1);
      continue;
    }
    const std::size_t equals = line.find(" = ");
    if (equals == std::string::npos) continue;
    fields.emplace_back(section + "." + line.substr(0, equals), line.substr(equals + 3));
  }
  return fields;
}

std::optional<study_difference> first_difference(const std::string& logged,
                                                 const std::string& given) {
  const auto logged_fields = resolved_fields(logged);
  const auto given_fields = resolved_fields(given);
  const auto value_in = [](const std::vector<std::pair<std::string, std::string>>& fields,
                           const std::string& field) {
    for (const auto& [name, value] : fields) {
      if (name == field) return value;
    }
    return std::string("(none)");
  };
  for (const auto& [field, value] : logged_fields) {
    const std::string other = value_in(given_fields, field);
    if (other != value) return study_difference{field, value, other};
  }
  for (const auto& [field, value] : given_fields) {
    if (value_in(logged_fields, field) == "(none)") return study_difference{field, "(none)", value};
  }
  return std::nullopt;
}

// Refuses to resume with a study, version or method other than the directory's, naming
// the field that differs, its logged value and the given one.
void check_same_study(const results_log& log, const rates_options& options,
                      const rates_study& logged) {
  const std::string& version = log.fact("ismc_version");
  if (version != ismc::version) {
    throw usage_error("--resume: '" + options.resume_dir + "' was written by another binary: " +
                      bad_value("ismc_version", std::string(ismc::version) + " (this binary)",
                                version + ", the version logged in '" + log.path() +
                                    "' (a resumed study must be byte-identical)"));
  }
  if (options.study_path.empty() && !options.seed) return;
  rates_study given = options.study_path.empty()
                          ? logged
                          : io::load_study(options.study_path, memory_scope::chunked);
  if (options.seed) given.run.seed = *options.seed;
  if (given.run.method != logged.run.method) {
    throw usage_error(bad_value("run.method", to_string(given.run.method),
                                to_string(logged.run.method) + ", the method of '" +
                                    options.resume_dir + "' (logged in its study.toml)"));
  }
  const std::string given_toml = resolved_study_toml(given);
  const std::string hash = text_hash(given_toml);
  if (hash != log.fact("study_hash")) {
    const std::string seed =
        options.seed ? "--seed " + std::to_string(given.run.seed) : std::string();
    const std::string source =
        options.study_path.empty()
            ? seed
            : "'" + options.study_path + "'" + (options.seed ? " with " + seed : std::string());
    const std::string logged_in = "logged in '" + options.resume_dir +
                                  "' (its study.toml; study hash " + log.fact("study_hash") +
                                  ", given " + hash + ")";
    if (const std::optional<study_difference> differs =
            first_difference(log.fact("study_toml"), given_toml)) {
      throw usage_error(
          "--resume: " + source + " is another study: " +
          bad_value(differs->field, differs->given, differs->logged + ", the value " + logged_in));
    }
    throw usage_error(bad_value("--resume", source, "the study " + logged_in));
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------

void add_study_dir_flags(CLI::App& rates, rates_options& options) {
  rates
      .add_option("--out-dir", options.out_dir,
                  "Run in a new study directory: the resolved study, a log of finished chunks "
                  "(resumable), the CSV and JSON report at the end")
      ->type_name("DIR");
  rates
      .add_option("--resume", options.resume_dir,
                  "Continue the study directory DIR after any interruption (STUDY.toml "
                  "optional; when given it must be DIR's study)")
      ->type_name("DIR");
  rates.add_flag("--no-lock", options.no_lock,
                 "Run in a directory whose filesystem has no working locks (only one process "
                 "may then write it)");
  rates
      .add_option("--shard", options.shard,
                  "With --out-dir: run only the chunks c with c mod N = I (a job array's task)")
      ->type_name("I/N");
  rates
      .add_option("--pilot", options.pilot_dir,
                  "With --out-dir: reuse the importance pilot of this directory of the same "
                  "study")
      ->type_name("DIR");
}

void check_no_study_dir_flags(const rates_options& options) {
  for (const auto& [flag, given] : {std::pair<std::string, bool>{"--no-lock", options.no_lock},
                                    {"--shard", !options.shard.empty()},
                                    {"--pilot", !options.pilot_dir.empty()}}) {
    if (given) throw usage_error(flag + ": needs --out-dir DIR (or --resume DIR)");
  }
}

dir_lock::dir_lock(const study_dir_paths& paths, const std::string& flag, bool no_lock) {
  descriptor_ = ::open(paths.lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (descriptor_ < 0) {
    throw usage_error(flag + ": cannot write '" + paths.lock() + "': " + std::strerror(errno) +
                      " (checked before any work)");
  }
  const bool locked = test_fault_strikes(test_fault::lock)
                          ? (errno = ENOLCK, false)  // a filesystem without working locks
                          : ::flock(descriptor_, LOCK_EX | LOCK_NB) == 0;
  if (locked) return;
  const int reason = errno;
  if (reason == EWOULDBLOCK) {
    ::close(descriptor_);
    descriptor_ = -1;
    throw usage_error(flag + ": '" + paths.dir +
                      "' is being written by another process (it holds '" + paths.lock() +
                      "'); expected a directory no other run is writing");
  }
  if (no_lock) return;  // the user vouches that one process writes it
  ::close(descriptor_);
  descriptor_ = -1;
  throw usage_error(flag + ": cannot lock '" + paths.lock() + "': " + std::strerror(reason) +
                    "; expected a filesystem with working locks (pass --no-lock if only one "
                    "process writes the directory)");
}

dir_lock::~dir_lock() {
  if (descriptor_ >= 0) ::close(descriptor_);
}

std::string resolved_study_toml(const rates_study& study) {
  std::string text =
      "# The resolved study of this directory, every default filled in: what\n"
      "# `ismc rates --resume DIR` runs. Do not edit: the log keeps its hash.\n";
  text += "\n[model]\nfamily = " + toml_string(study.model.family) +
          "\ndim = " + std::to_string(study.model.dim) + "\n";
  if (study.model.family == "normal_unknown_variance") {
    text += "observations = " + std::to_string(study.model.observations) + "\n";
  }
  if (study.model.family == "binomial") text += "trials = " + toml_array(study.model.trials) + "\n";
  text += "\n[test]\nkind = " + toml_string(to_string(study.test.kind)) +
          "\ncritical = " + number_text(study.test.critical) + "\n";
  text += "\n[grid]\n";
  if (study.grid.thetas.empty()) {
    text += "lower = " + toml_array(study.grid.lower) +
            "\nupper = " + toml_array(study.grid.upper) +
            "\npoints = " + toml_array(study.grid.points) + "\n";
  } else {
    text += "thetas = [";
    for (std::size_t j = 0; j < study.grid.thetas.size(); ++j) {
      text += (j > 0 ? ", " : "") + toml_array(study.grid.thetas[j]);
    }
    text += "]\n";
  }
  const run_spec& run = study.run;
  text += "\n[run]\nmethod = " + toml_string(to_string(run.method)) +
          "\nseed = " + std::to_string(run.seed) + "\nconfidence = " + number_text(run.confidence) +
          "\ncommon_random_numbers = " + (run.common_random_numbers ? "true" : "false") +
          "\nchunk_targets = " + std::to_string(run.chunk_targets) + "\n";
  text += "\n[plain]\nsims = " + std::to_string(study.plain.sims) + "\n";
  const importance_spec& importance = study.importance;
  text += "\n[importance]\npilot_sims = " + std::to_string(importance.pilot_sims) +
          "\nclusters = " + std::to_string(importance.clusters) +
          "\nself_weight = " + number_text(importance.self_weight) +
          "\nsims_per_proposal = " + std::to_string(importance.sims_per_proposal) +
          "\nkmeans_restarts = " + std::to_string(importance.kmeans_restarts) +
          "\nkmeans_max_iterations = " + std::to_string(importance.kmeans_max_iterations) +
          "\nkmeans_subsample = " + std::to_string(importance.kmeans_subsample) +
          "\nmax_pilot_doublings = " + std::to_string(importance.max_pilot_doublings) + "\n";
  return text;
}

std::string text_hash(const std::string& text) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char byte : text) {
    hash ^= byte;
    hash *= 0x100000001b3ull;
  }
  char digits[17];
  std::snprintf(digits, sizeof digits, "%016llx", static_cast<unsigned long long>(hash));
  return digits;
}

std::string plan_json(const importance_plan& plan, std::size_t dim) {
  const importance_details& details = plan.details;
  const std::size_t n_targets = details.pilot_rejections.size();
  const std::vector<double> cluster_proposals(
      details.proposals.begin() +
          static_cast<std::ptrdiff_t>(std::min(details.proposals.size(), n_targets * dim)),
      details.proposals.end());
  const nlohmann::json json = {
      {"plain_fallback", plan.plain_fallback},
      {"warnings", plan.warnings},
      {"pilot_sims", details.pilot_sims},
      {"pilot_rejections", details.pilot_rejections},
      {"clusters", details.clusters},
      {"cluster_centres", details.cluster_centres},
      {"cluster_sizes", details.cluster_sizes},
      {"cluster_proposals", cluster_proposals},
      {"cluster_usage", plan.cluster_usage},
      {"weight_offsets", details.weights.offsets},
      {"weight_proposals", details.weights.proposal},
      {"weights", details.weights.weight},
      {"weight_source", details.weight_source},
      {"sims_per_proposal", details.sims_per_proposal},
      {"sims_per_target", details.sims_per_target},
  };
  return json.dump();
}

importance_plan plan_from_json(const std::string& text, const std::vector<double>& targets,
                               std::size_t dim, const std::string& source) {
  try {
    const nlohmann::json json = nlohmann::json::parse(text);
    importance_plan plan;
    importance_details& details = plan.details;
    plan.plain_fallback = json.at("plain_fallback").get<bool>();
    plan.warnings = json.at("warnings").get<std::vector<std::string>>();
    details.pilot_sims = json.at("pilot_sims").get<std::uint64_t>();
    details.pilot_rejections = json.at("pilot_rejections").get<std::vector<std::uint64_t>>();
    details.clusters = json.at("clusters").get<std::size_t>();
    details.cluster_centres = json.at("cluster_centres").get<std::vector<double>>();
    details.cluster_sizes = json.at("cluster_sizes").get<std::vector<std::uint64_t>>();
    plan.cluster_usage = json.at("cluster_usage").get<std::vector<std::uint64_t>>();
    details.weights.offsets = json.at("weight_offsets").get<std::vector<std::size_t>>();
    details.weights.proposal = json.at("weight_proposals").get<std::vector<std::uint32_t>>();
    details.weights.weight = json.at("weights").get<std::vector<double>>();
    details.weight_source = json.at("weight_source").get<std::vector<std::size_t>>();
    details.sims_per_proposal = json.at("sims_per_proposal").get<std::uint64_t>();
    details.sims_per_target = json.at("sims_per_target").get<double>();
    if (!plan.plain_fallback) {
      details.proposals = targets;
      const auto clusters = json.at("cluster_proposals").get<std::vector<double>>();
      details.proposals.insert(details.proposals.end(), clusters.begin(), clusters.end());
    }
    if (details.pilot_rejections.size() * dim != targets.size()) {
      throw input_error(
          source, 0, "plan.pilot_rejections",
          got_expected(details.pilot_rejections.size(),
                       "one per target (" + std::to_string(targets.size() / dim) + ")"));
    }
    return plan;
  } catch (const nlohmann::json::exception& e) {
    throw input_error(source, 0, "plan", got_expected(std::string(e.what()), "the log's plan"));
  }
}

namespace {

// The chunk c of a study: its rows and what the log keeps beside them.
logged_chunk compute_chunk(const model& model, const std::vector<double>& targets,
                           const rates_study& study, const importance_plan* plan, backend& machine,
                           const run_hooks& hooks, std::uint64_t c) {
  const std::size_t dim = study.model.dim;
  const std::uint64_t n_targets = targets.size() / dim;
  const std::uint64_t size = study.run.chunk_targets;
  const std::uint64_t first = c * size;
  const std::uint64_t count = std::min(size, n_targets - first);
  chunk_rows rows =
      study.run.method == rate_method::plain
          ? plain_chunk(model, targets, first, count, study.run, study.plain, machine, hooks)
          : importance_chunk(model, targets, first, count, study.run, study.importance, *plan,
                             machine, hooks);
  logged_chunk chunk;
  chunk.index = c;
  chunk.first = first;
  chunk.count = count;
  chunk.without_spread = rows.without_spread;
  for (const rate_row& row : rows.rows) {
    chunk.has_exact = chunk.has_exact || row.exact.has_value();
    chunk.has_ess = chunk.has_ess || row.ess.has_value();
  }
  chunk.rows = std::move(rows.rows);
  return chunk;
}

// The simulations of chunk c, as its stage reports them to the progress bar: plain, sims
// per target; importance, sims_per_proposal per weight entry of its targets (the mixture
// stage, rates/mixture.cpp); none for the plain fallback (the pilot's counts are its rows).
std::uint64_t chunk_units(const rates_study& study, const importance_plan* plan,
                          std::uint64_t n_targets, std::uint64_t c) {
  const std::uint64_t first = c * study.run.chunk_targets;
  const std::uint64_t count = std::min(study.run.chunk_targets, n_targets - first);
  if (study.run.method == rate_method::plain) return count * study.plain.sims;
  if (plan == nullptr || plan->plain_fallback) return 0;
  const std::vector<std::size_t>& offsets = plan->details.weights.offsets;
  return (offsets[first + count] - offsets[first]) * study.importance.sims_per_proposal;
}

// One progress bar for the chunks of a run: a stage begun once for all of them, into which
// each chunk's own stage (begin, advance, end) is folded.
class study_progress : public progress_sink {
 public:
  explicit study_progress(progress_sink* bar) : bar_(bar) {}
  void start(const std::string& stage, std::uint64_t total, std::uint64_t before) {
    if (bar_ == nullptr) return;
    bar_->begin(stage, total);
    started_ = true;
    if (auto* drawn = dynamic_cast<progress_bar*>(bar_)) {
      drawn->already_done(before);
    } else {
      bar_->advance(before);
    }
  }
  void begin(const std::string&, std::uint64_t) override {}
  void advance(std::uint64_t done) override {
    if (bar_ != nullptr) bar_->advance(done);
  }
  void end() override {}
  void finish() {
    if (started_) bar_->end();
    started_ = false;
  }

 private:
  progress_sink* bar_;
  bool started_ = false;
};

// A rank above 0: computes the chunks rank 0 hands out.
int run_rank_worker(mpi_world& world) {
  const mpi_setup setup = world.share_setup({});
  if (setup.status != 0) return setup.status;  // rank 0 said why
  try {
    const rates_study study =
        io::parse_study(setup.study_toml, "study.toml", memory_scope::chunked);
    const std::size_t dim = study.model.dim;
    const std::vector<double> targets = grid_targets(study.grid, dim);
    const std::unique_ptr<model> model = make_model(study.model, study.test);
    const std::unique_ptr<backend> machine =
        make_backend(parse_backend_kind("backend", setup.backend));
    run_hooks hooks;
    hooks.threads = setup.threads;
    std::optional<importance_plan> plan;
    std::string plan_text = setup.plan;
    if (setup.spread_pilot) {
      // This rank's part of the pilot (rank 0 makes the plan), then the plan.
      mpi_pilot_exchange exchange(world);
      const auto [first, count] = rank_targets(targets.size() / dim, world.rank(), world.size());
      plan_importance_part(*model, targets, first, count, study.run, study.importance, *machine,
                           exchange, hooks);
      plan_text = world.share_text({});
    }
    if (!plan_text.empty()) plan = plan_from_json(plan_text, targets, dim, "rank 0's plan");
    world.serve([&](std::uint64_t c) {
      return compute_chunk(*model, targets, study, plan ? &*plan : nullptr, *machine, hooks, c);
    });
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "ismc: error: rank " << world.rank() << ": " << e.what() << "\n";
    world.abort(1);
  }
}

int run_in_dir(const rates_options& options, mpi_world* world, bool* setup_shared) {
  const bool resume = !options.resume_dir.empty();
  const std::string flag = resume ? "--resume" : "--out-dir";
  study_dir_paths paths{resume ? options.resume_dir : options.out_dir};
  if (resume && !options.out_dir.empty()) {
    throw usage_error(bad_value("--out-dir", options.out_dir,
                                "no --out-dir with --resume (the directory is --resume's)"));
  }
  if (!resume && options.study_path.empty()) {
    throw usage_error("study: missing; expected STUDY.toml (or --resume DIR)");
  }
  std::optional<shard_spec> shard;
  if (!options.shard.empty()) shard = parse_shard(options.shard);

  // Everything that can refuse the run is checked before anything is written.
  rates_study study;
  std::optional<results_log> log;
  std::string backend_name;
  std::error_code ignored;
  if (resume) {
    log = open_existing_log(paths, flag);
    study = logged_study(*log, paths);
    check_same_study(*log, options, study);
    const std::string& logged_shard = log->fact("shard");
    if (shard && shard->text() != logged_shard) {
      throw usage_error(bad_value(
          "--shard", options.shard,
          logged_shard.empty() ? std::string("none: '") + paths.dir + "' holds the whole study"
                               : logged_shard + ", the shard of '" + paths.dir + "'"));
    }
    if (!logged_shard.empty()) shard = parse_shard(logged_shard);
    backend_name = log->fact("backend");
  } else {
    study = io::load_study(options.study_path, memory_scope::chunked);
    if (options.seed) study.run.seed = *options.seed;
    if (study.run.method == rate_method::validate || study.run.method == rate_method::calibrate) {
      // The log keeps the rows of plain and importance runs; tile bounds and calibration
      // thresholds are not in it, so these methods write with --out / --json only.
      throw usage_error(bad_value("run.method", to_string(study.run.method),
                                  "plain or importance in a study directory (--out-dir); run "
                                  "methods validate and calibrate with --out and --json"));
    }
    if (fs::exists(paths.dir, ignored)) {
      if (!fs::is_directory(paths.dir, ignored)) {
        throw usage_error(bad_value("--out-dir", paths.dir, "a directory path, not a file"));
      }
      if (fs::exists(paths.log(), ignored)) {
        throw usage_error(bad_value("--out-dir", paths.dir,
                                    "a new or empty directory: it holds a study already "
                                    "(continue it with --resume " +
                                        paths.dir + ")"));
      }
      if (!fs::is_empty(paths.dir, ignored)) {
        throw usage_error(bad_value("--out-dir", paths.dir, "a new or empty directory"));
      }
    }
  }
  const std::size_t dim = study.model.dim;
  const std::vector<double> targets = grid_targets(study.grid, dim);
  const std::uint64_t n_targets = targets.size() / dim;
  if (n_targets > streams::max_targets) {
    throw usage_error(
        bad_value("grid: targets", n_targets,
                  "at most " + std::to_string(streams::max_targets) +
                      " (the random-stream layout gives each target its own stream)"));
  }
  // The backend: the log's on a resume (rows are byte-identical only on the same kind).
  backend_kind kind = parse_backend_kind("--backend", options.backend);
  if (resume && options.backend != "auto") {
    if (options.backend != backend_name) {
      throw usage_error(bad_value("--backend", options.backend,
                                  backend_name + ", the backend of '" + paths.dir +
                                      "' (its rows are byte-identical only on one backend kind)"));
    }
  }
  if (resume) kind = parse_backend_kind("backend", backend_name);
  std::optional<importance_plan> pilot_plan;
  if (!options.pilot_dir.empty()) {
    if (study.run.method != rate_method::importance) {
      throw usage_error(bad_value("--pilot", options.pilot_dir, "no --pilot for a plain study"));
    }
    const study_dir_paths pilot_paths{options.pilot_dir};
    const results_log pilot_log = open_existing_log(pilot_paths, "--pilot");
    if (pilot_log.fact("study_hash") != text_hash(resolved_study_toml(study))) {
      throw usage_error(bad_value("--pilot", options.pilot_dir,
                                  "a directory of the same study (study hash " +
                                      text_hash(resolved_study_toml(study)) + ", not " +
                                      pilot_log.fact("study_hash") + ")"));
    }
    const std::optional<std::string> json = pilot_log.plan();
    if (!json) {
      throw usage_error(bad_value("--pilot", options.pilot_dir,
                                  "a directory whose pilot has run (its log has no plan yet)"));
    }
    pilot_plan = plan_from_json(*json, targets, dim, pilot_paths.log());
  }
  // --out and --json beside the directory: their folders must exist.
  for (const auto& [name, path] : {std::pair<std::string, std::string>{"--out", options.out_path},
                                   {"--json", options.json_path}}) {
    if (!path.empty() && fs::path(path).parent_path().empty() == false &&
        !fs::is_directory(fs::path(path).parent_path(), ignored)) {
      throw usage_error(name + ": directory '" + fs::path(path).parent_path().string() + "' of '" +
                        path + "' does not exist");
    }
  }
  const std::unique_ptr<backend> machine = make_backend(kind);
  if (!resume) backend_name = machine->name();

  // Now the directory: created, checked writable, locked; a directory this run created is
  // removed again when it cannot be used.
  fs::path created;
  if (!resume) {
    for (fs::path up = fs::absolute(paths.dir, ignored); !up.empty() && !fs::exists(up, ignored);
         up = up.parent_path()) {
      created = up;
      if (up == up.parent_path()) break;
    }
    fs::create_directories(paths.dir, ignored);
    if (!fs::is_directory(paths.dir, ignored)) {
      throw usage_error("--out-dir: cannot create '" + paths.dir + "': " + ignored.message() +
                        " (checked before any work)");
    }
  }
  std::optional<dir_lock> lock;
  try {
    check_writable(
        {{flag, paths.csv()}, {"--out", options.out_path}, {"--json", options.json_path}});
    lock.emplace(paths, flag, options.no_lock);
  } catch (...) {
    if (!created.empty()) fs::remove_all(created, ignored);
    throw;
  }
  remove_stale_temporaries(paths);
  if (resume) {
    log.reset();
    log = results_log::open(paths.log(), true);
  } else {
    const std::string toml = resolved_study_toml(study);
    log = results_log::create(paths.log(),
                              study_facts(study, toml, backend_name, shard ? shard->text() : ""));
  }
  if (!fs::exists(paths.study(), ignored)) {
    const std::string& toml = log->fact("study_toml");
    write_file_atomically(paths.study(), [&](std::ostream& out) { out << toml; });
  }

  run_context context(options.quiet, options.threads);
  const auto start = std::chrono::steady_clock::now();
  const std::unique_ptr<model> model = make_model(study.model, study.test);
  study_run run;
  run.study = study;
  run.paths = paths;
  run.backend_name = backend_name;
  if (!options.out_path.empty()) run.extra_csv.push_back(options.out_path);
  if (!options.json_path.empty()) run.extra_json.push_back(options.json_path);
  if (auto warning = exact_rates_warning(*model, targets)) run.warnings.push_back(*warning);

  const std::uint64_t size = study.run.chunk_targets;
  const std::uint64_t n_chunks = (n_targets + size - 1) / size;
  std::vector<bool> done(n_chunks, false);
  for (const logged_chunk& chunk : log->chunks()) {
    if (chunk.index < n_chunks) done[chunk.index] = true;
  }
  const auto mine = [&](std::uint64_t c) {
    return !shard || c % shard->count == shard->index;
  };
  bool work_left = false;
  for (std::uint64_t c = 0; c < n_chunks; ++c) work_left = work_left || (mine(c) && !done[c]);
  std::uint64_t logged_now = 0;
  try {
    const error_context stage("running the study '" + paths.study() + "'");
    if (study.run.method == rate_method::importance) {
      if (const std::optional<std::string> json = log->plan()) {
        run.plan = plan_from_json(*json, targets, dim, paths.log());
      } else if (pilot_plan) {
        run.plan = std::move(*pilot_plan);
        log->write_plan(plan_json(*run.plan, dim));
      } else if (world != nullptr && world->size() > 1) {
        // The pilot on every rank, each over its range of targets; the plan made here,
        // logged, then sent to the others.
        mpi_setup setup;
        setup.study_toml = log->fact("study_toml");
        setup.backend = backend_name;
        setup.threads = options.threads;
        setup.spread_pilot = true;
        world->share_setup(setup);
        *setup_shared = true;
        mpi_pilot_exchange exchange(*world);
        const auto [first, count] = rank_targets(n_targets, 0, world->size());
        run.plan = plan_importance_part(*model, targets, first, count, study.run, study.importance,
                                        *machine, exchange, context.hooks());
        const std::string plan_text = plan_json(*run.plan, dim);
        log->write_plan(plan_text);
        world->share_text(plan_text);
      } else {
        run.plan = plan_importance(*model, targets, study.run, study.importance, *machine,
                                   context.hooks());
        log->write_plan(plan_json(*run.plan, dim));
      }
      run.warnings.insert(run.warnings.end(), run.plan->warnings.begin(), run.plan->warnings.end());
    }
    const auto record = [&](logged_chunk&& chunk) {
      log->append(chunk);
      done[chunk.index] = true;
      ++logged_now;
    };
    // One progress bar for all the chunks of this run (not one per chunk): their
    // simulations, those of chunks logged before counted as done.
    const importance_plan* plan = run.plan ? &*run.plan : nullptr;
    study_progress progress(context.hooks().progress);
    run_hooks chunk_hooks = context.hooks();
    chunk_hooks.progress = &progress;
    if (work_left) {
      std::uint64_t total = 0, before = 0;
      for (std::uint64_t c = 0; c < n_chunks; ++c) {
        if (!mine(c)) continue;
        const std::uint64_t units = chunk_units(study, plan, n_targets, c);
        total += units;
        before += done[c] ? units : 0;
      }
      progress.start(to_string(study.run.method), total, before);
    }
    const auto compute = [&](std::uint64_t c) {
      return compute_chunk(*model, targets, study, plan, *machine, chunk_hooks, c);
    };
    if (world != nullptr && world->size() > 1) {
      // Rank 0 holds the directory and computes chunks on a thread of its own beside the
      // other ranks.
      if (!*setup_shared) {  // else shared before the spread pilot, with the plan after it
        mpi_setup setup;
        setup.study_toml = log->fact("study_toml");
        setup.backend = backend_name;
        if (run.plan) setup.plan = plan_json(*run.plan, dim);
        setup.threads = options.threads;
        world->share_setup(setup);
        *setup_shared = true;
      }
      std::vector<std::uint64_t> pending;
      for (std::uint64_t c = 0; c < n_chunks; ++c) {
        if (mine(c) && !done[c]) pending.push_back(c);
      }
      world->dispatch(pending, compute, [&](logged_chunk&& chunk, bool here) {
        if (test_fault_strikes(test_fault::kill_after_chunk)) std::raise(SIGKILL);
        if (!here) progress.advance(chunk_units(study, plan, n_targets, chunk.index));
        record(std::move(chunk));
      });
    }
    for (std::uint64_t c = 0; c < n_chunks && work_left; ++c) {
      if (!mine(c) || done[c]) continue;
      if (test_fault_strikes(test_fault::kill_after_chunk)) std::raise(SIGKILL);
      record(compute(c));
    }
    progress.finish();
    context.finish();
  } catch (const interrupted&) {
    std::uint64_t total = 0;
    for (bool d : done) total += d ? 1 : 0;
    std::cerr << "ismc: interrupted: " << total << " of " << n_chunks << " chunks are in '"
              << paths.log() << "'; continue with: ismc rates --resume " << paths.dir << "\n";
    take_error_context();
    // Under MPI the other ranks may be computing or waiting for a chunk: end them all.
    if (world != nullptr && world->size() > 1 && *setup_shared) world->abort(130);
    return 130;
  }
  run.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (shard) {
    std::uint64_t mine_total = 0, mine_done = 0;
    for (std::uint64_t c = 0; c < n_chunks; ++c) {
      if (!mine(c)) continue;
      ++mine_total;
      mine_done += done[c] ? 1 : 0;
    }
    std::cout << "# shard " << shard->text() << " of '" << paths.dir << "': " << mine_done << " of "
              << mine_total << " chunks logged (" << logged_now
              << " now); merge the shards with: ismc merge DIR... --out-dir ALL\n";
    return 0;
  }
  write_outputs(*log, run);
  return 0;
}

}  // namespace

int run_rates_in_dir(const rates_options& options) {
  mpi_world world;
  choose_rank_device(world);
  if (world.rank() > 0) return run_rank_worker(world);
  bool setup_shared = false;
  try {
    return run_in_dir(options, &world, &setup_shared);
  } catch (...) {
    if (world.size() > 1 && !setup_shared) {
      // The other ranks wait for the setup: tell them to end with rank 0's exit code.
      mpi_setup failed;
      try {
        throw;
      } catch (const usage_error&) {
        failed.status = 2;
      } catch (...) {
        failed.status = 1;
      }
      world.share_setup(failed);
    } else if (world.size() > 1) {
      try {
        throw;
      } catch (const std::exception& e) {
        std::cerr << "ismc: error: " << e.what() << "\n";
      }
      world.abort(1);
    }
    throw;
  }
}

int run_status_command(const std::string& dir) {
  const study_dir_paths paths{dir};
  const results_log log = open_existing_log(paths, "status");
  const rates_study study = logged_study(log, paths);
  const std::uint64_t n_targets = fact_number(log, "targets");
  const std::uint64_t n_chunks = fact_number(log, "chunks");
  const std::string& shard_text = log.fact("shard");
  std::optional<shard_spec> shard;
  if (!shard_text.empty()) shard = parse_shard(shard_text);
  const std::vector<logged_chunk> chunks = log.chunks();
  std::uint64_t mine = 0;
  for (std::uint64_t c = 0; c < n_chunks; ++c) {
    mine += (!shard || c % shard->count == shard->index) ? 1 : 0;
  }
  std::error_code ignored;
  const bool hot_journal = fs::exists(paths.log() + "-journal", ignored) &&
                           fs::file_size(paths.log() + "-journal", ignored) > 0;
  std::string lock_state = "free";
  const int descriptor = ::open(paths.lock().c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor >= 0) {
    if (::flock(descriptor, LOCK_EX | LOCK_NB) != 0) {
      lock_state = errno == EWOULDBLOCK ? "held: a run is writing the directory"
                                        : std::string("cannot be tested: ") + std::strerror(errno);
    }
    ::close(descriptor);
  }
  // While a run holds the lock, a journal is its transaction in flight, not a leftover.
  const bool running = lock_state.rfind("held", 0) == 0;
  std::cout << "study directory  " << dir << "\n"
            << "study            " << paths.study() << " (hash " << log.fact("study_hash")
            << ", method " << to_string(study.run.method) << ", seed " << study.run.seed << ")\n"
            << "written by       ismc " << log.fact("ismc_version") << ", backend "
            << log.fact("backend") << "\n"
            << "targets          " << n_targets << " in " << n_chunks << " chunks of "
            << study.run.chunk_targets << "\n";
  if (shard) std::cout << "shard            " << shard_text << ": " << mine << " chunks\n";
  std::cout << "chunks done      " << chunks.size() << "\n"
            << "chunks to do     " << (mine - std::min<std::uint64_t>(mine, chunks.size())) << "\n";
  if (study.run.method == rate_method::importance) {
    std::cout << "pilot            " << (log.plan() ? "done (in the log)" : "not yet") << "\n";
  }
  std::cout << "log              "
            << (running       ? "being written by the run that holds the lock"
                : hot_journal ? "an interrupted transaction is pending (rolled back on resume)"
                              : "consistent")
            << "\n"
            << "lock             " << lock_state << "\n"
            << "outputs          "
            << (fs::exists(paths.csv(), ignored) ? "rates.csv, report.json written"
                                                 : "not written yet")
            << "\n";
  return 0;
}

int run_merge_command(const std::vector<std::string>& shards, const std::string& out_dir,
                      bool quiet) {
  (void)quiet;
  if (shards.empty()) throw usage_error("merge: missing; expected one or more shard directories");
  struct shard_log {
    study_dir_paths paths;
    results_log log;
  };
  std::vector<shard_log> logs;
  for (const std::string& dir : shards) {
    const study_dir_paths paths{dir};
    logs.push_back({paths, open_existing_log(paths, "merge")});
  }
  const results_log& first = logs.front().log;
  const rates_study study = logged_study(first, logs.front().paths);
  const std::uint64_t n_chunks = fact_number(first, "chunks");
  std::vector<std::string> owner(n_chunks);
  for (const shard_log& shard : logs) {
    for (const std::string key : {"study_hash", "ismc_version", "backend"}) {
      if (shard.log.fact(key) != first.fact(key)) {
        throw usage_error(bad_value("merge: " + shard.paths.dir, key + " " + shard.log.fact(key),
                                    "the " + key + " of '" + logs.front().paths.dir + "', " +
                                        first.fact(key) + " (one study, one binary, one backend)"));
      }
    }
    for (const logged_chunk& chunk : shard.log.chunks()) {
      if (chunk.index >= n_chunks) continue;
      if (!owner[chunk.index].empty()) {
        throw usage_error(
            bad_value("merge: chunk " + std::to_string(chunk.index),
                      "in both '" + owner[chunk.index] + "' and '" + shard.paths.dir + "'",
                      "shards that cover the study exactly once"));
      }
      owner[chunk.index] = shard.paths.dir;
    }
  }
  std::vector<std::uint64_t> missing;
  for (std::uint64_t c = 0; c < n_chunks; ++c) {
    if (owner[c].empty()) missing.push_back(c);
  }
  if (!missing.empty()) {
    std::string list;
    for (std::size_t n = 0; n < missing.size() && n < 5; ++n) {
      list += (n > 0 ? ", " : "") + std::to_string(missing[n]);
    }
    if (missing.size() > 5) list += ", ...";
    throw usage_error(bad_value("merge",
                                std::to_string(missing.size()) + " of " + std::to_string(n_chunks) +
                                    " chunks missing (" + list + ")",
                                "shards that cover the study exactly once (finish or resume "
                                "the shards first)"));
  }

  // The merged directory: a new study directory holding every chunk once.
  const study_dir_paths paths{out_dir};
  std::error_code ignored;
  if (fs::exists(paths.dir, ignored) && !fs::is_empty(paths.dir, ignored)) {
    throw usage_error(bad_value("--out-dir", paths.dir, "a new or empty directory"));
  }
  fs::create_directories(paths.dir, ignored);
  if (!fs::is_directory(paths.dir, ignored)) {
    throw usage_error("--out-dir: cannot create '" + paths.dir + "': " + ignored.message() +
                      " (checked before any work)");
  }
  check_writable({{"--out-dir", paths.csv()}});
  const dir_lock lock(paths, "--out-dir", false);
  std::map<std::string, std::string> meta = first.meta();
  meta["shard"] = "";
  results_log merged = results_log::create(paths.log(), meta);
  write_file_atomically(paths.study(), [&](std::ostream& out) { out << meta["study_toml"]; });
  study_run run;
  run.study = study;
  run.paths = paths;
  run.backend_name = first.fact("backend");
  const std::size_t dim = study.model.dim;
  const std::vector<double> targets = grid_targets(study.grid, dim);
  const std::unique_ptr<model> model = make_model(study.model, study.test);
  if (auto warning = exact_rates_warning(*model, targets)) run.warnings.push_back(*warning);
  if (const std::optional<std::string> json = first.plan()) {
    run.plan = plan_from_json(*json, targets, dim, first.path());
    run.warnings.insert(run.warnings.end(), run.plan->warnings.begin(), run.plan->warnings.end());
    merged.write_plan(*json);
  }
  for (const shard_log& shard : logs) {
    for (logged_chunk chunk : shard.log.chunks()) {
      chunk.rows = shard.log.read_rows(chunk.index, dim);
      merged.append(chunk);
    }
  }
  write_outputs(merged, run);
  return 0;
}

}  // namespace ismc::cli
