#include "ismc/samplers/chains.hpp"

#include <algorithm>
#include <cstdint>

#include "core/parallel.hpp"
#include "ismc/core/error.hpp"
#include "samplers/unchecked.hpp"

namespace ismc {

namespace {

// What each chain reports to: only its advances are passed on, into the one stage that
// run_nuts_chains begins and ends for all chains together.
class chains_progress : public progress_sink {
 public:
  explicit chains_progress(progress_sink* target) : target_(target) {}
  void begin(const std::string&, std::uint64_t) override {}
  void advance(std::uint64_t done) override {
    if (target_ != nullptr) target_->advance(done);
  }
  void end() override {}

 private:
  progress_sink* target_;
};

}  // namespace

void validate_chains(std::size_t chains) {
  if (chains == 0) throw usage_error(bad_value("NUTS setting chains", chains, "an integer >= 1"));
}

void run_nuts_chains(const posterior_model& model, const nuts_config& config, std::size_t chains,
                     const chain_writer_source& writer_of, const run_hooks& hooks,
                     const std::string& stage) {
  validate_chains(chains);
  // Once for every chain: the chains run the unchecked sampler.
  detail::validate_nuts(model, config);
  hooks.begin(stage, chains * (config.warmup + config.draws));
  chains_progress progress(hooks.progress);
  run_hooks chain_hooks = hooks;
  chain_hooks.progress = &progress;
  // One thread per chain by default, but never more than the hardware runs at once (a
  // million chains must not ask for a million threads); the chains share them in order.
  const unsigned threads =
      hooks.threads > 0
          ? hooks.threads
          : static_cast<unsigned>(std::min<std::size_t>(chains, detail::resolve_threads(0)));
  try {
    detail::parallel_for(chains, threads, [&](std::size_t index) {
      nuts_config chain_config = config;
      chain_config.chain = static_cast<std::uint32_t>(index + 1);
      detail::run_nuts_unchecked(model, chain_config, writer_of(index), chain_hooks);
    });
  } catch (...) {
    hooks.end();
    throw;
  }
  hooks.end();
}

}  // namespace ismc
