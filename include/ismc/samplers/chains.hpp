#pragma once
/// @file chains.hpp
/// @brief Several NUTS chains at once, one thread and one Philox stream per chain: the
/// multi-chain runner of `ismc sample` and of the population study.

#include <cstddef>
#include <functional>
#include <string>

#include "ismc/core/progress.hpp"
#include "ismc/models/posterior.hpp"
#include "ismc/samplers/nuts.hpp"

namespace ismc {

/// Gives the writer of the chain with 0-based index `index` (chain id index + 1). Called
/// once per chain, on the thread that runs it, just before the chain starts; the writer
/// must live until `run_nuts_chains` returns. An exception it throws is the chain's.
using chain_writer_source = std::function<draw_writer&(std::size_t index)>;

/// Checks a number of chains: throws `usage_error` "NUTS setting chains: got 0, expected
/// an integer >= 1" for none.
void validate_chains(std::size_t chains);

/// Runs `chains` chains of NUTS on `model`. The chain with 0-based index c runs
/// `run_nuts(model, config', writer_of(c), …)` where config' is `config` with
/// `chain = c + 1` (the given `config.chain` is not used), so its draws are those of that
/// single run, whatever the thread count.
///
/// Chains run on `hooks.threads` threads, or when that is 0 one thread per chain up to the
/// hardware threads.
/// Progress: one stage named `stage` of chains × (warmup + draws) iterations on
/// `hooks.progress`, begun and ended here (ended also when a chain fails), advanced by
/// every chain as it goes; `hooks.interrupt` stops every chain (`interrupted`).
///
/// Checks `chains` and `config` (against `model`) once, before any chain starts: throws
/// `usage_error` naming the setting. The first exception of any chain (no finite initial
/// point, an interrupt, a writer's failure) keeps the chains not yet started from
/// starting and is rethrown here once the running ones have finished.
void run_nuts_chains(const posterior_model& model, const nuts_config& config, std::size_t chains,
                     const chain_writer_source& writer_of, const run_hooks& hooks = {},
                     const std::string& stage = "nuts");

}  // namespace ismc
