// Study directories across MPI ranks (cli/mpi_rates.hpp).
#include "cli/mpi_rates.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <exception>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <numeric>
#include <sstream>
#include <thread>

#include "ismc/core/error.hpp"

#ifdef ISMC_WITH_MPI
#include <mpi.h>
#endif

namespace ismc::cli {

namespace {

// The world size the launcher announced (MPICH's Hydra and PMI, Open MPI, Slurm's srun),
// or 1.
int launched_size() {
  for (const char* name : {"PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE"}) {
    if (const char* value = std::getenv(name)) {
      const int size = std::atoi(value);
      if (size > 1) return size;
    }
  }
  return 1;
}

#ifdef ISMC_WITH_MPI
constexpr int tag_setup = 1;
constexpr int tag_result = 2;  // a worker's chunk (or, first, none): it is ready for more
constexpr int tag_assign = 3;  // rank 0's answer: a chunk index, or -1: stop
constexpr int tag_pilot = 4;   // the spread pilot's steps and the plan (rank 0 <-> each rank)

// Bytes per message of send_bytes (MPI counts are int).
constexpr std::size_t bytes_per_message = std::size_t{1} << 30;

// Waits for `request`, sleeping between tests: a blocking call would spin.
void wait_politely(MPI_Request& request) {
  for (int done = 0;;) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// `bytes` bytes at `data` to rank `to` on `tag`: their size, then the bytes in pieces.
void send_bytes(const void* data, std::size_t bytes, int to, int tag) {
  auto size = static_cast<long long>(bytes);
  MPI_Request request;
  MPI_Isend(&size, 1, MPI_LONG_LONG, to, tag, MPI_COMM_WORLD, &request);
  wait_politely(request);
  const char* at = static_cast<const char*>(data);
  for (std::size_t done = 0; done < bytes; done += bytes_per_message) {
    const std::size_t piece = std::min(bytes_per_message, bytes - done);
    MPI_Isend(at + done, static_cast<int>(piece), MPI_BYTE, to, tag, MPI_COMM_WORLD, &request);
    wait_politely(request);
  }
}

// What send_bytes sent from rank `from` on `tag`, appended to `out` (a vector of T).
template <class T>
void receive_bytes(int from, int tag, std::vector<T>& out) {
  long long size = 0;
  MPI_Request request;
  MPI_Irecv(&size, 1, MPI_LONG_LONG, from, tag, MPI_COMM_WORLD, &request);
  wait_politely(request);
  const auto bytes = static_cast<std::size_t>(size);
  const std::size_t base = out.size();
  out.resize(base + bytes / sizeof(T));
  char* at = reinterpret_cast<char*>(out.data() + base);
  for (std::size_t done = 0; done < bytes; done += bytes_per_message) {
    const std::size_t piece = std::min(bytes_per_message, bytes - done);
    MPI_Irecv(at + done, static_cast<int>(piece), MPI_BYTE, from, tag, MPI_COMM_WORLD, &request);
    wait_politely(request);
  }
}

// On rank 0: every rank's `values` in rank order; elsewhere: sends them, returns empty.
template <class T>
std::vector<T> gather_values(const mpi_world& world, const std::vector<T>& values) {
  if (world.rank() != 0) {
    send_bytes(values.data(), values.size() * sizeof(T), 0, tag_pilot);
    return {};
  }
  std::vector<T> all(values);
  for (int from = 1; from < world.size(); ++from) receive_bytes(from, tag_pilot, all);
  return all;
}

// Rank 0's `values` on every rank.
template <class T>
void broadcast_values(const mpi_world& world, std::vector<T>& values) {
  if (world.rank() == 0) {
    for (int to = 1; to < world.size(); ++to) {
      send_bytes(values.data(), values.size() * sizeof(T), to, tag_pilot);
    }
    return;
  }
  values.clear();
  receive_bytes(0, tag_pilot, values);
}

void send_text(const std::string& text, int to, int tag) {
  send_bytes(text.data(), text.size(), to, tag);
}

std::string receive_text(int from, int tag) {
  std::vector<char> bytes;
  receive_bytes(from, tag, bytes);
  return std::string(bytes.begin(), bytes.end());
}

// A chunk as one message: its numbers, then its packed rows.
std::string encode(const logged_chunk& chunk) {
  std::ostringstream head;
  head << chunk.index << ' ' << chunk.first << ' ' << chunk.count << ' ' << chunk.has_exact << ' '
       << chunk.has_ess << ' ' << chunk.without_spread << '\n';
  return head.str() + pack_rows(chunk.rows);
}

logged_chunk decode(const std::string& text, std::size_t dim) {
  const std::size_t end = text.find('\n');
  std::istringstream head(text.substr(0, end));
  logged_chunk chunk;
  head >> chunk.index >> chunk.first >> chunk.count >> chunk.has_exact >> chunk.has_ess >>
      chunk.without_spread;
  chunk.rows = unpack_rows(text.substr(end + 1), dim);
  return chunk;
}
#endif

}  // namespace

mpi_world::mpi_world() {
  const int announced = launched_size();
  if (announced <= 1) return;
#ifdef ISMC_WITH_MPI
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  initialised_ = true;
  if (provided < MPI_THREAD_FUNNELED) {
    MPI_Finalize();
    initialised_ = false;
    throw runtime_failure("MPI: the library gives thread level " + std::to_string(provided) +
                          ", expected MPI_THREAD_FUNNELED (worker threads, MPI on the main one)");
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
#else
  throw usage_error(bad_value("MPI ranks", announced,
                              "1: this ismc was built without MPI (ISMC_ENABLE_MPI=OFF); use "
                              "--shard I/N and ismc merge instead"));
#endif
}

mpi_world::~mpi_world() {
#ifdef ISMC_WITH_MPI
  if (initialised_) MPI_Finalize();
#endif
}

[[noreturn]] void mpi_world::abort(int code) {
#ifdef ISMC_WITH_MPI
  if (initialised_) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::exit(code);
}

mpi_setup mpi_world::share_setup(const mpi_setup& setup) {
#ifdef ISMC_WITH_MPI
  if (size_ <= 1) return setup;
  if (rank_ == 0) {
    for (int to = 1; to < size_; ++to) {
      std::ostringstream numbers;
      numbers << setup.status << ' ' << setup.threads << ' ' << setup.spread_pilot;
      send_text(numbers.str(), to, tag_setup);
      send_text(setup.study_toml, to, tag_setup);
      send_text(setup.backend, to, tag_setup);
      send_text(setup.plan, to, tag_setup);
    }
    return setup;
  }
  mpi_setup received;
  std::istringstream numbers(receive_text(0, tag_setup));
  numbers >> received.status >> received.threads >> received.spread_pilot;
  received.study_toml = receive_text(0, tag_setup);
  received.backend = receive_text(0, tag_setup);
  received.plan = receive_text(0, tag_setup);
  return received;
#else
  return setup;
#endif
}

std::string mpi_world::share_text(const std::string& text) {
#ifdef ISMC_WITH_MPI
  if (size_ <= 1) return text;
  std::vector<char> bytes(text.begin(), text.end());
  broadcast_values(*this, bytes);
  return std::string(bytes.begin(), bytes.end());
#else
  return text;
#endif
}

std::uint64_t mpi_pilot_exchange::sum(std::uint64_t value) {
#ifdef ISMC_WITH_MPI
  if (world_.size() <= 1) return value;
  std::vector<std::uint64_t> total = gather_values(world_, std::vector<std::uint64_t>{value});
  if (root()) total = {std::accumulate(total.begin(), total.end(), std::uint64_t{0})};
  broadcast_values(world_, total);
  return total.at(0);
#else
  return value;
#endif
}

std::vector<double> mpi_pilot_exchange::gather(const std::vector<double>& values) {
#ifdef ISMC_WITH_MPI
  if (world_.size() > 1) return gather_values(world_, values);
#endif
  return values;
}

std::vector<std::uint64_t> mpi_pilot_exchange::gather(const std::vector<std::uint64_t>& values) {
#ifdef ISMC_WITH_MPI
  if (world_.size() > 1) return gather_values(world_, values);
#endif
  return values;
}

void mpi_pilot_exchange::broadcast(std::vector<double>& values) {
#ifdef ISMC_WITH_MPI
  if (world_.size() > 1) broadcast_values(world_, values);
#else
  (void)values;
#endif
}

std::pair<std::size_t, std::size_t> rank_targets(std::size_t n_targets, int rank, int size) {
  const auto at = [&](int r) {
    // n · r / size without overflow: n < 2^64 / size is not assumed.
    const std::size_t n = n_targets, s = static_cast<std::size_t>(size);
    const auto r_ = static_cast<std::size_t>(r);
    return (n / s) * r_ + (n % s) * r_ / s;
  };
  const std::size_t first = at(rank);
  return {first, at(rank + 1) - first};
}

void mpi_world::dispatch(const std::vector<std::uint64_t>& pending,
                         const std::function<logged_chunk(std::uint64_t)>& compute,
                         const std::function<void(logged_chunk&&, bool here)>& record) {
#ifdef ISMC_WITH_MPI
  // Shared with rank 0's compute thread.
  std::mutex mutex;
  std::size_t next = 0;               // the next chunk of `pending` to hand out
  std::deque<logged_chunk> computed;  // rank 0's chunks, not yet recorded
  bool local_done = false;
  std::exception_ptr local_failure;
  const auto take = [&]() -> long long {
    const std::lock_guard<std::mutex> lock(mutex);
    return next < pending.size() ? static_cast<long long>(pending[next++]) : -1;
  };
  std::thread local([&] {
    try {
      for (long long c; (c = take()) >= 0;) {
        logged_chunk chunk = compute(static_cast<std::uint64_t>(c));
        const std::lock_guard<std::mutex> lock(mutex);
        computed.push_back(std::move(chunk));
      }
    } catch (...) {
      const std::lock_guard<std::mutex> lock(mutex);
      local_failure = std::current_exception();
    }
    const std::lock_guard<std::mutex> lock(mutex);
    local_done = true;
  });
  // However the loop ends, rank 0's thread takes no further chunk and is joined.
  struct joiner {
    std::thread& thread;
    std::mutex& mutex;
    std::size_t& next;
    std::size_t end;
    ~joiner() {
      {
        const std::lock_guard<std::mutex> lock(mutex);
        next = end;
      }
      if (thread.joinable()) thread.join();
    }
  } stop_local{local, mutex, next, pending.size()};

  int stopped = 0;
  for (;;) {
    std::deque<logged_chunk> ready;
    bool finished = false;
    std::exception_ptr failure;
    {
      const std::lock_guard<std::mutex> lock(mutex);
      ready.swap(computed);
      finished = local_done;
      failure = local_failure;
    }
    for (logged_chunk& chunk : ready) record(std::move(chunk), true);
    if (failure) std::rethrow_exception(failure);
    if (finished && stopped == size_ - 1) break;
    // Poll, sleeping between polls: on a machine with as many cores as ranks, a blocking
    // receive would spin and take a core from a worker (or from rank 0's thread).
    int arrived = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, tag_result, MPI_COMM_WORLD, &arrived, &status);
    if (!arrived) {
      if (ready.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }
    const int source = status.MPI_SOURCE;
    const std::string text = receive_text(source, tag_result);
    if (!text.empty()) {
      // The dimension travels with the rows: the first line says it.
      const std::size_t end = text.find('\n');
      const std::size_t dim = std::stoull(text.substr(0, end));
      record(decode(text.substr(end + 1), dim), false);
    }
    const long long assignment = take();
    if (assignment < 0) ++stopped;
    MPI_Send(&assignment, 1, MPI_LONG_LONG, source, tag_assign, MPI_COMM_WORLD);
  }
#else
  (void)pending;
  (void)compute;
  (void)record;
#endif
}

void mpi_world::serve(const std::function<logged_chunk(std::uint64_t)>& compute) {
#ifdef ISMC_WITH_MPI
  std::string result;  // none yet: "ready"
  for (;;) {
    send_text(result, 0, tag_result);
    long long assignment = -1;
    // Wait without spinning, for the same reason as dispatch.
    for (int arrived = 0; !arrived;) {
      MPI_Iprobe(0, tag_assign, MPI_COMM_WORLD, &arrived, MPI_STATUS_IGNORE);
      if (!arrived) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    MPI_Recv(&assignment, 1, MPI_LONG_LONG, 0, tag_assign, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (assignment < 0) return;
    const logged_chunk chunk = compute(static_cast<std::uint64_t>(assignment));
    const std::size_t dim = chunk.rows.empty() ? 0 : chunk.rows.front().theta.size();
    result = std::to_string(dim) + "\n" + encode(chunk);
  }
#else
  (void)compute;
#endif
}

std::optional<std::string> rank_visible_devices(int local_rank, const char* visible,
                                                std::size_t node_devices) {
  const auto place = [&](std::size_t count) {
    return static_cast<std::size_t>(local_rank < 0 ? 0 : local_rank) % count;
  };
  if (visible != nullptr) {
    std::vector<std::string> devices;
    std::stringstream list(visible);
    for (std::string device; std::getline(list, device, ',');) {
      if (!device.empty()) devices.push_back(device);
    }
    if (devices.size() <= 1) return std::nullopt;
    return devices[place(devices.size())];
  }
  if (node_devices <= 1) return std::nullopt;
  return std::to_string(place(node_devices));
}

std::size_t node_gpu_count() {
  std::error_code ignored;
  std::size_t count = 0;
  for (std::filesystem::directory_iterator entry("/proc/driver/nvidia/gpus", ignored), end;
       !ignored && entry != end; entry.increment(ignored)) {
    ++count;
  }
  return count;
}

void choose_rank_device(const mpi_world& world) {
#ifdef ISMC_WITH_MPI
  if (world.size() <= 1) return;
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, world.rank(), MPI_INFO_NULL, &node);
  int local_rank = 0;
  MPI_Comm_rank(node, &local_rank);
  MPI_Comm_free(&node);
  const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
  if (const std::optional<std::string> device =
          rank_visible_devices(local_rank, visible, visible == nullptr ? node_gpu_count() : 0)) {
    ::setenv("CUDA_VISIBLE_DEVICES", device->c_str(), 1);
  }
#else
  (void)world;
#endif
}

}  // namespace ismc::cli
