// The layout of core/streams.hpp: no two consumers of one run (a rates study, a sample run,
// a population study) share a Philox input (key, counter), for any seed within the
// documented limits. First by ranges (each consumer's stream and counter-word ranges at
// the limits, pair by pair), then by brute force (every input of every consumer on small
// seeds and limits, through the same functions the consumers call).

#include "ismc/core/streams.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ismc/core/rng.hpp"

namespace ismc {
namespace {

enum run_kind : unsigned { rates_run = 1, sample_run = 2, population_run = 4 };

constexpr std::uint32_t last_block = random_block_limit - 1;

// The counter's first word of block `block` of stream `s`: domain << 24 | block.
std::uint32_t counter_word(random_stream s, std::uint32_t block) {
  return philox_address(s, 0, block).counter.v[0];
}

// What one consumer may draw at the documented limits: its streams and its counter's first
// words, both as inclusive ranges (its sims may be anything).
struct consumer_range {
  std::string name;
  unsigned runs;
  std::uint32_t stream_low, stream_high;
  std::uint32_t word_low, word_high;
};

bool overlap(std::uint32_t low_a, std::uint32_t high_a, std::uint32_t low_b, std::uint32_t high_b) {
  return low_a <= high_b && low_b <= high_a;
}

bool may_share_input(const consumer_range& a, const consumer_range& b) {
  return overlap(a.stream_low, a.stream_high, b.stream_low, b.stream_high) &&
         overlap(a.word_low, a.word_high, b.word_low, b.word_high);
}

// Each consumer's ranges, from the functions of streams.hpp at the limits. Blocks of the
// simulations, the NUTS chains and the posterior samples are taken up to 2^24 − 1, the
// most `max_normals_per_draw` allows (the rates' dim/2 and a chain's dim/2 are below it).
std::vector<consumer_range> layout() {
  const std::uint64_t seed = 0x0123456789abcdefull;  // a stream's seed is not in its ranges
  const random_stream simulation{seed, 0, streams::domain::simulation};
  const random_stream chain = streams::nuts_chain(seed, 1);
  const auto single = [&](const std::string& name, random_stream s, std::uint32_t first_block,
                          std::uint32_t last) {
    return consumer_range{name,
                          population_run,
                          s.stream,
                          s.stream,
                          counter_word(s, first_block),
                          counter_word(s, last)};
  };
  return {
      {"rates target", rates_run, streams::target(0, false),
       streams::target(streams::max_targets - 1, false), counter_word(simulation, 0),
       counter_word(simulation, last_block)},
      {"pilot subsample", rates_run, streams::subsample(0),
       streams::subsample(streams::max_targets - 1), counter_word(simulation, 0),
       counter_word(simulation, 0)},
      {"proposal", rates_run, streams::proposal(0), streams::proposal(streams::max_proposals - 1),
       counter_word(simulation, 0), counter_word(simulation, last_block)},
      {"k-means seeding", rates_run, streams::kmeans_seeding(seed, 0).stream,
       streams::kmeans_seeding(seed, 0xFFFFFFFFu).stream,
       counter_word(streams::kmeans_seeding(seed, 0), streams::kmeans_seeding_block),
       counter_word(streams::kmeans_seeding(seed, 0), streams::kmeans_seeding_block)},
      {"k-means subsample", rates_run, streams::kmeans_subsample(seed).stream,
       streams::kmeans_subsample(seed).stream,
       counter_word(streams::kmeans_subsample(seed), streams::kmeans_subsample_block),
       counter_word(streams::kmeans_subsample(seed), streams::kmeans_subsample_block)},
      {"NUTS chain", sample_run | population_run, streams::nuts_chain(seed, 1).stream,
       streams::nuts_chain(seed, 0xFFFFFFFFu).stream, counter_word(chain, 0),
       counter_word(chain, last_block)},
      single("true mu", streams::true_mu(seed), 0, 0),
      single("observation", streams::observation(seed), 0, 0),
      single("posterior samples", streams::posterior_samples(seed), 0, last_block),
      single("walker starts", streams::walker_start(seed), 0, 0),
      single("ensemble split", streams::ensemble_split(seed), 0, 0),
      single("ensemble stretch", streams::ensemble_stretch(seed), 0, 1),
  };
}

TEST(Streams, NoTwoConsumersOfOneRunShareStreamAndCounterWord) {
  const std::vector<consumer_range> consumers = layout();
  for (std::size_t a = 0; a < consumers.size(); ++a) {
    EXPECT_LE(consumers[a].stream_low, consumers[a].stream_high) << consumers[a].name;
    EXPECT_LE(consumers[a].word_low, consumers[a].word_high) << consumers[a].name;
    for (std::size_t b = a + 1; b < consumers.size(); ++b) {
      if ((consumers[a].runs & consumers[b].runs) == 0) continue;
      EXPECT_FALSE(may_share_input(consumers[a], consumers[b]))
          << consumers[a].name << " and " << consumers[b].name << " run together";
    }
  }
}

// The layout's one overlap: domain 0 holds the rates simulations and the NUTS chains, both
// fixed by earlier versions, never in one run. Every other pair is apart in any runs.
TEST(Streams, OnlyRatesSimulationsAndNutsChainsOverlapAcrossRuns) {
  const std::vector<consumer_range> consumers = layout();
  std::set<std::pair<std::string, std::string>> overlapping;
  for (std::size_t a = 0; a < consumers.size(); ++a) {
    for (std::size_t b = a + 1; b < consumers.size(); ++b) {
      if (may_share_input(consumers[a], consumers[b])) {
        overlapping.insert({consumers[a].name, consumers[b].name});
      }
    }
  }
  const std::set<std::pair<std::string, std::string>> expected = {{"rates target", "NUTS chain"},
                                                                  {"pilot subsample", "NUTS chain"},
                                                                  {"proposal", "NUTS chain"}};
  EXPECT_EQ(overlapping, expected);
}

// Rates and sample runs keep the inputs of earlier versions (their outputs are
// byte-identical): key {seed low, stream}, counter {block, sim low, sim high, seed high}.
TEST(Streams, RatesAndNutsKeepTheirEarlierInputs) {
  const std::uint64_t seed = 0xfedcba9876543210ull;
  const std::uint64_t sim = 0x0000000500000007ull;
  const auto expect_input = [&](random_stream s, std::uint32_t stream, std::uint32_t word) {
    const philox_input in = philox_address(s, sim, word & 0x00FFFFFFu);
    EXPECT_EQ(in.key0, 0x76543210u);
    EXPECT_EQ(in.key1, stream);
    EXPECT_EQ(in.counter.v[0], word);
    EXPECT_EQ(in.counter.v[1], 7u);
    EXPECT_EQ(in.counter.v[2], 5u);
    EXPECT_EQ(in.counter.v[3], 0xfedcba98u);
  };
  expect_input(random_stream{seed, streams::target(12, false)}, 12u, 3u);
  expect_input(random_stream{seed, streams::target(12, true)}, 0u, 3u);
  expect_input(random_stream{seed, streams::subsample(12)}, 0x4000000Cu, 0u);
  expect_input(random_stream{seed, streams::proposal(12)}, 0x8000000Cu, 3u);
  expect_input(streams::kmeans_seeding(seed, 4), 4u, 0x6B6D0001u);
  expect_input(streams::kmeans_subsample(seed), 0u, 0x6B6D0002u);
  expect_input(streams::nuts_chain(seed, 3), 3u, 9u);
  // A stream built as earlier versions did ({seed, stream}, domain 0) draws the same bits.
  const philox_block legacy = random_bits(random_stream{seed, 12}, sim, 3);
  const philox_block now = random_bits(random_stream{seed, streams::target(12, false)}, sim, 3);
  EXPECT_EQ(std::vector<std::uint32_t>(legacy.v, legacy.v + 4),
            std::vector<std::uint32_t>(now.v, now.v + 4));
}

// --- brute force: every input of every consumer, on small seeds and limits ---------------

using input = std::array<std::uint32_t, 6>;  // key0, key1, counter words 0..3

input as_input(random_stream s, std::uint64_t sim, std::uint32_t block) {
  const philox_input in = philox_address(s, sim, block);
  return {in.key0, in.key1, in.counter.v[0], in.counter.v[1], in.counter.v[2], in.counter.v[3]};
}

// Collects the inputs of one run; a consumer's own draws must be distinct too (except
// where shared by design: every target under common random numbers).
class run_inputs {
 public:
  void add(const std::string& consumer, random_stream s, std::uint64_t sim, std::uint32_t block,
           bool shared_by_design = false) {
    const input key = as_input(s, sim, block);
    const auto found = owner_.find(key);
    if (found == owner_.end()) {
      owner_.emplace(key, consumer);
      ++count_;
    } else if (found->second != consumer) {
      ADD_FAILURE() << consumer << " and " << found->second << " share an input (stream "
                    << s.stream << ", sim " << sim << ", block " << block << ")";
    } else if (!shared_by_design) {
      ADD_FAILURE() << consumer << " draws one input twice (stream " << s.stream << ", sim " << sim
                    << ", block " << block << ")";
    }
  }
  std::size_t count() const { return count_; }

 private:
  std::map<input, std::string> owner_;
  std::size_t count_ = 0;
};

// Seeds whose low and high words take extreme and equal values.
const std::uint64_t seeds[] = {
    0, 1, 2, 0xFFFFFFFFull, 0x100000000ull, 0x100000001ull, 0x6B6D0001ull, 0xFFFFFFFFFFFFFFFFull};

// Small limits: targets, proposals, normals per simulation (dim), sims, k-means restarts
// and draws; chains, NUTS draws and the model's dim; objects, samples per object,
// walkers, steps.
constexpr std::uint32_t targets = 4, proposals = 3, dim = 5, sims = 4;
constexpr std::uint32_t restarts = 3, kmeans_draws = 4;
constexpr std::uint32_t chains = 4, nuts_calls = 6, model_dim = 7;
constexpr std::uint32_t objects = 5, samples_per_object = 5, walkers = 6, steps = 4;

void add_rates_run(run_inputs& run, std::uint64_t seed, bool common_random_numbers) {
  for (std::uint32_t j = 0; j < targets; ++j) {
    const random_stream target{seed, streams::target(j, common_random_numbers)};
    const random_stream keep{seed, streams::subsample(j)};
    for (std::uint64_t i = 0; i < sims; ++i) {
      for (std::uint32_t b = 0; b < (dim + 1) / 2; ++b) {
        run.add("rates target", target, i, b, common_random_numbers);
      }
      run.add("pilot subsample", keep, i, 0);
    }
  }
  for (std::uint32_t k = 0; k < proposals; ++k) {
    for (std::uint64_t i = 0; i < sims; ++i) {
      for (std::uint32_t b = 0; b < (dim + 1) / 2; ++b) {
        run.add("proposal", random_stream{seed, streams::proposal(k)}, i, b);
      }
    }
  }
  for (std::uint32_t r = 0; r < restarts; ++r) {
    for (std::uint64_t draw = 0; draw < kmeans_draws; ++draw) {
      run.add("k-means seeding", streams::kmeans_seeding(seed, r), draw,
              streams::kmeans_seeding_block);
    }
  }
  for (std::uint64_t draw = 0; draw < kmeans_draws; ++draw) {
    run.add("k-means subsample", streams::kmeans_subsample(seed), draw,
            streams::kmeans_subsample_block);
  }
}

// Chain ids 1 .. chains, as run_nuts_chains gives them; each call (uniform, uniforms,
// normals) takes the next sim and blocks 0 .. dim/2.
void add_nuts_chains(run_inputs& run, std::uint64_t seed) {
  for (std::uint32_t c = 0; c < chains; ++c) {
    for (std::uint64_t call = 0; call < nuts_calls; ++call) {
      for (std::uint32_t b = 0; b < (model_dim + 1) / 2; ++b) {
        run.add("NUTS chain", streams::nuts_chain(seed, c + 1), call, b);
      }
    }
  }
}

void add_population_run(run_inputs& run, std::uint64_t seed) {
  for (std::uint64_t i = 0; i < objects; ++i) {
    run.add("true mu", streams::true_mu(seed), i, 0);
    run.add("observation", streams::observation(seed), i, 0);
    for (std::uint32_t b = 0; b < (samples_per_object + 1) / 2; ++b) {
      run.add("posterior samples", streams::posterior_samples(seed), i, b);
    }
  }
  for (std::uint64_t w = 0; w < walkers; ++w)
    run.add("walker starts", streams::walker_start(seed), w, 0);
  for (std::uint64_t t = 0; t < steps; ++t) {
    // walkers − 1 uniforms of the shuffle, two per pair.
    for (std::uint64_t pair = 0; pair < walkers / 2; ++pair) {
      run.add("ensemble split", streams::ensemble_split(seed),
              streams::ensemble_split_sim(t, walkers, pair), 0);
    }
    for (std::uint64_t w = 0; w < walkers; ++w) {
      for (std::uint32_t b = 0; b < 2; ++b) {
        run.add("ensemble stretch", streams::ensemble_stretch(seed),
                streams::ensemble_stretch_sim(t, walkers, w), b);
      }
    }
  }
  add_nuts_chains(run, seed);
}

TEST(Streams, RatesRunInputsAreDistinct) {
  for (const bool common_random_numbers : {false, true}) {
    run_inputs run;
    for (const std::uint64_t seed : seeds) add_rates_run(run, seed, common_random_numbers);
    const std::size_t per_seed = (common_random_numbers ? 1 : targets) * sims * ((dim + 1) / 2) +
                                 targets * sims + proposals * sims * ((dim + 1) / 2) +
                                 restarts * kmeans_draws + kmeans_draws;
    EXPECT_EQ(run.count(), std::size(seeds) * per_seed);
  }
}

TEST(Streams, SampleRunInputsAreDistinct) {
  run_inputs run;
  for (const std::uint64_t seed : seeds) add_nuts_chains(run, seed);
  EXPECT_EQ(run.count(), std::size(seeds) * chains * nuts_calls * ((model_dim + 1) / 2));
}

TEST(Streams, PopulationRunInputsAreDistinct) {
  run_inputs run;
  for (const std::uint64_t seed : seeds) add_population_run(run, seed);
  const std::size_t per_seed = objects * (2 + (samples_per_object + 1) / 2) + walkers +
                               steps * (walkers / 2 + 2 * walkers) +
                               chains * nuts_calls * ((model_dim + 1) / 2);
  EXPECT_EQ(run.count(), std::size(seeds) * per_seed);
}

// The bug this layout fixes: the population's data used streams 1, 2, 3 of domain 0, the
// very inputs of NUTS chains 1, 2, 3. Now no chain reads them.
TEST(Streams, PopulationDataAreNotNutsChainInputs) {
  for (const std::uint64_t seed : seeds) {
    for (std::uint32_t c = 1; c <= 3; ++c) {
      const input chain_input = as_input(streams::nuts_chain(seed, c), 0, 0);
      EXPECT_EQ(chain_input, as_input(random_stream{seed, c}, 0, 0));  // the old data's input
      EXPECT_NE(chain_input, as_input(streams::true_mu(seed), 0, 0));
      EXPECT_NE(chain_input, as_input(streams::observation(seed), 0, 0));
      EXPECT_NE(chain_input, as_input(streams::posterior_samples(seed), 0, 0));
    }
  }
}

}  // namespace
}  // namespace ismc
