#pragma once
/// @file mpi_rates.hpp
/// @brief `mpiexec -n N ismc rates STUDY.toml --out-dir DIR`: rank 0 holds the directory
/// (lock, log, outputs); a new importance study's pilot runs on every rank, each over its
/// contiguous range of targets (mpi_pilot_exchange: the pools gathered in target order,
/// k-means once on rank 0), and rank 0 makes the plan and shares it; rank 0 then hands out
/// chunks one at a time to ranks 1..N−1 as they ask and to a compute thread of its own (a
/// rank that finishes early takes the next chunk); the
/// rows come back packed bit for bit, so the CSV equals one process's for any N. Built with
/// MPI when `ISMC_ENABLE_MPI` is on; without it, a run launched as several ranks is refused.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/results_log.hpp"
#include "ismc/rates/chunks.hpp"

namespace ismc::cli {

/// What every rank needs to compute chunks, sent by rank 0.
struct mpi_setup {
  int status = 0;          ///< 0: go on; else the exit code rank 0 ends with (workers too)
  std::string study_toml;  ///< the resolved study
  std::string backend;     ///< `cpu` or `cuda`
  std::string plan;        ///< the importance plan (cli/study_dir.hpp's plan_json), or empty
  unsigned threads = 0;    ///< --threads
  /// The pilot is to run on every rank (mpi_pilot_exchange), then rank 0 sends the plan
  /// (`share_text`); `plan` is empty.
  bool spread_pilot = false;
};

/// The MPI world of this process: initialised (`MPI_Init_thread`, funneled: only the main
/// thread calls MPI) when the process was launched as one of several ranks, finalised when
/// it goes; a single process sees rank 0 of 1 and no MPI call at all.
class mpi_world {
 public:
  mpi_world();
  ~mpi_world();
  mpi_world(const mpi_world&) = delete;
  mpi_world& operator=(const mpi_world&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }

  /// Rank 0: sends `setup` to every other rank. Other ranks: receives it.
  mpi_setup share_setup(const mpi_setup& setup);

  /// Rank 0: computes chunks of `pending` itself, with `compute` on a thread of its own
  /// (which makes no MPI call), and hands the others out to the other ranks as they ask (a
  /// rank that finishes early takes the next chunk, rank 0's thread included); gives each
  /// result to `record` on the calling thread, in the order they arrive, with whether it was
  /// computed here, until all are recorded. An exception from `compute` or `record` is
  /// rethrown once rank 0's thread has stopped (the caller then ends every rank).
  void dispatch(const std::vector<std::uint64_t>& pending,
                const std::function<logged_chunk(std::uint64_t)>& compute,
                const std::function<void(logged_chunk&&, bool here)>& record);

  /// Ranks above 0: asks for chunks and returns each one's rows, computed by `compute`,
  /// until rank 0 has none left.
  void serve(const std::function<logged_chunk(std::uint64_t)>& compute);

  /// Any rank: ends every rank at once (a failure during the distributed work).
  [[noreturn]] void abort(int code);

  /// Rank 0: sends `text` to every other rank and returns it. Other ranks: receives rank 0's
  /// (`text` unused). Waits without spinning.
  std::string share_text(const std::string& text);

 private:
  int rank_ = 0;
  int size_ = 1;
  bool initialised_ = false;
};

/// The pilot's collective steps (rates/chunks.hpp's pilot_exchange) across the ranks of
/// `world`, rank 0 the root: point-to-point messages through rank 0, in rank order, each
/// waited for without spinning (a blocking MPI call spins and, with as many ranks as cores,
/// takes a core from a rank still computing). Only the calling thread makes MPI calls.
class mpi_pilot_exchange final : public pilot_exchange {
 public:
  explicit mpi_pilot_exchange(mpi_world& world) : world_(world) {}
  bool root() const override { return world_.rank() == 0; }
  std::uint64_t sum(std::uint64_t value) override;
  std::vector<double> gather(const std::vector<double>& values) override;
  std::vector<std::uint64_t> gather(const std::vector<std::uint64_t>& values) override;
  void broadcast(std::vector<double>& values) override;

 private:
  mpi_world& world_;
};

/// The contiguous range of `n_targets` targets rank `rank` of `size` runs the pilot on:
/// [n·rank/size, n·(rank+1)/size), as {first, count}; the ranges cover the targets in rank
/// order.
std::pair<std::size_t, std::size_t> rank_targets(std::size_t n_targets, int rank, int size);

/// The `CUDA_VISIBLE_DEVICES` the rank of node-local rank `local_rank` (>= 0) sets so that
/// it uses GPU (local rank mod devices): with `visible` (the variable's value, or null when
/// unset) listing several devices, the one at that place in the list; with the variable
/// unset and the node's driver listing `node_devices` > 1 GPUs, that ordinal. Nothing when
/// there is no choice to make (one device or none, or an empty list).
std::optional<std::string> rank_visible_devices(int local_rank, const char* visible,
                                                std::size_t node_devices);

/// The GPUs the node's NVIDIA driver lists (entries of /proc/driver/nvidia/gpus), counted
/// without starting the CUDA runtime: the runtime reads `CUDA_VISIBLE_DEVICES` once, when it
/// starts, so a rank must choose before anything asks CUDA (list_cuda_devices would start
/// it). 0 where there is no driver.
std::size_t node_gpu_count();

/// For a rank of a multi-rank run, the GPU it should use (rank_visible_devices, from the
/// rank's node-local rank, `CUDA_VISIBLE_DEVICES` and node_gpu_count), set in
/// `CUDA_VISIBLE_DEVICES` before the CUDA runtime starts.
void choose_rank_device(const mpi_world& world);

}  // namespace ismc::cli
