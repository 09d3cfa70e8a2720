#pragma once
/// @file streams.hpp
/// @brief The one layout of ismc's random streams: which (domain, stream, sim, block) of
/// `random_bits` (rng.hpp) each consumer draws, so that no two consumers of one run share
/// random numbers.
///
/// A draw's Philox input is key = {seed low, stream}, counter = {domain << 24 | block,
/// sim low, sim high, seed high} (rng.hpp), one to one in (seed, domain, stream, sim, block)
/// while block < 2^24. Two consumers can therefore share an input only if their
/// (domain, stream, block) ranges overlap; the tables give each consumer's ranges, run by run:
///
/// A rates study (`ismc rates`):
///
/// | consumer                       | domain | stream          | sim            | block       |
/// | ------------------------------ | ------ | --------------- | -------------- | ----------- |
/// | target j (`target`)            | 0x00   | j, 0 under CRN  | simulation i   | family's    |
/// | pilot subsample of j           | 0x00   | 2^30 + j        | pilot sim i    | 0           |
/// | proposal k (`proposal`)        | 0x00   | 2^31 + k        | simulation i   | family's    |
/// | k-means++ seeding, restart r   | 0x6B   | r               | draw number    | 0x6D0001    |
/// | k-means subsample              | 0x6B   | 0               | draw number    | 0x6D0002    |
///
/// A sample run (`ismc sample`) and the NUTS chains of a population study:
///
/// | consumer                       | domain | stream          | sim            | block       |
/// | ------------------------------ | ------ | --------------- | -------------- | ----------- |
/// | NUTS chain (`nuts_chain`)      | 0x00   | chain id        | 0, 1, 2, ...   | 0 .. dim/2  |
///
/// A population study (`ismc population`), besides its NUTS chains:
///
/// | consumer                       | domain | stream          | sim            | block       |
/// | ------------------------------ | ------ | --------------- | -------------- | ----------- |
/// | true μ_i (`true_mu`)           | 0x01   | 0               | object i       | 0           |
/// | observation x_i                | 0x02   | 0               | object i       | 0           |
/// | posterior samples of object i  | 0x03   | 0               | object i       | 0 .. S/2    |
/// | walker starts                  | 0x04   | 0               | walker w       | 0           |
/// | ensemble split, pair p         | 0x05   | 0               | t · W/2 + p    | 0           |
/// | ensemble stretch of walker w   | 0x06   | 0               | t · W + w      | 0, 1        |
///
/// (t the ensemble's step, W its walkers, S the samples per object, dim the number of
/// normals a NUTS draw takes. A rates simulation reads the blocks its family states
/// (rates/family.hpp): 0 .. dim/2 for the Gaussian tests, 0 .. 32 for the t-test (block 0
/// the normal, 1 .. 32 the χ² variate's window, core/variates.hpp), 32 i .. 32 i + 31 for
/// binomial arm i (its binomial variate's window), so 0 .. 255 at most.)
///
/// Limits within which the table holds (`max_targets`, `max_proposals`,
/// `max_normals_per_draw`): targets ≤ 2^30, proposals ≤ 2^31, k-means restarts ≤ 2^32,
/// chains ≤ 2^32 − 1; normals per simulation, per object (S, the posterior samples per
/// object) and per NUTS draw (the model's dimension) ≤ 2^25; objects, walkers and steps
/// any counts with steps · walkers < 2^64 (the ensemble's chain holds that many draws).
///
/// Domain 0x00 is shared by the rates simulations and the NUTS chains, whose numbers are
/// fixed by earlier versions (a rates CSV and an `ismc sample` run are byte-identical to
/// theirs; the spec keys a chain by (seed, chain id)); no run has both: a rates study runs
/// no chain and a population study no rates simulation. Every other pair of consumers of
/// one run differs in domain, or in stream range, or in block (tests/core/streams_test.cpp
/// checks each pair, and every input on small seeds and limits).

#include <cstddef>
#include <cstdint>

#include "ismc/core/config.hpp"
#include "ismc/core/rng.hpp"

namespace ismc {

/// The random streams of every consumer; see the file's table.
namespace streams {

/// Domain tags, the top 8 bits of the counter's first word, one per consumer group.
namespace domain {
inline constexpr std::uint8_t simulation = 0x00;   ///< rates targets, subsample, proposals; NUTS
inline constexpr std::uint8_t kmeans = 0x6B;       ///< k-means seeding and subsample ('k')
inline constexpr std::uint8_t true_mu = 0x01;      ///< population: simulated μ_i
inline constexpr std::uint8_t observation = 0x02;  ///< population: simulated x_i
inline constexpr std::uint8_t posterior_sample = 0x03;  ///< population: flat-prior samples
inline constexpr std::uint8_t walker_start = 0x04;      ///< population: ensemble start
inline constexpr std::uint8_t ensemble_split = 0x05;    ///< ensemble: halves of each step
inline constexpr std::uint8_t ensemble_stretch = 0x06;  ///< ensemble: z, partner, accept
}  // namespace domain

/// Most targets of a rates study: their streams stay below the subsample's.
inline constexpr std::uint64_t max_targets = 1ull << 30;
/// Most proposals of a rates study: their streams stay below 2^32.
inline constexpr std::uint64_t max_proposals = 1ull << 31;
/// Most normals one simulation, object or NUTS draw takes (two per block, blocks < 2^24).
inline constexpr std::uint64_t max_normals_per_draw = 2ull * random_block_limit;

/// Plain Monte Carlo and pilot simulations at target j (j < `max_targets`) use stream j
/// of domain 0 (stream 0 for every target under common random numbers); sim = the
/// simulation's index, blocks 0 .. dim/2.
ISMC_HD constexpr std::uint32_t target(std::size_t j, bool common_random_numbers) {
  return common_random_numbers ? 0u : static_cast<std::uint32_t>(j);
}
/// Importance simulations from proposal k (k < `max_proposals`) use stream 2^31 + k of
/// domain 0; sim = the simulation's index, blocks 0 .. dim/2.
ISMC_HD constexpr std::uint32_t proposal(std::size_t k) {
  return 0x80000000u + static_cast<std::uint32_t>(k);
}
/// The decision to keep pilot rejection i of target j in the k-means subsample draws
/// block 0 of simulation i in stream 2^30 + j of domain 0: independent of the sample.
ISMC_HD constexpr std::uint32_t subsample(std::size_t j) {
  return 0x40000000u + static_cast<std::uint32_t>(j);
}

/// k-means++ seeding of restart r: stream r of the k-means domain, sim = the draw's
/// number, block `kmeans_seeding_block`.
ISMC_HD constexpr random_stream kmeans_seeding(std::uint64_t seed, std::size_t restart) {
  return {seed, static_cast<std::uint32_t>(restart), domain::kmeans};
}
/// k-means' subsample of the pooled points: stream 0 of the k-means domain, sim = the
/// draw's number, block `kmeans_subsample_block`.
ISMC_HD constexpr random_stream kmeans_subsample(std::uint64_t seed) {
  return {seed, 0u, domain::kmeans};
}
/// The block of every k-means++ seeding draw (counter word 0x6B6D0001).
inline constexpr std::uint32_t kmeans_seeding_block = 0x6D0001u;
/// The block of every k-means subsample draw (counter word 0x6B6D0002).
inline constexpr std::uint32_t kmeans_subsample_block = 0x6D0002u;

/// NUTS chain `chain` (the chain id, 1-based): stream = chain id of domain 0, sims 0, 1,
/// 2, ... one per call for random numbers, blocks 0 .. dim/2 (dim ≤ `max_normals_per_draw`).
ISMC_HD constexpr random_stream nuts_chain(std::uint64_t seed, std::uint32_t chain) {
  return {seed, chain, domain::simulation};
}

/// A population study's simulated true μ_i: sim = object i, block 0.
ISMC_HD constexpr random_stream true_mu(std::uint64_t seed) { return {seed, 0u, domain::true_mu}; }
/// A population study's simulated observation x_i: sim = object i, block 0.
ISMC_HD constexpr random_stream observation(std::uint64_t seed) {
  return {seed, 0u, domain::observation};
}
/// The flat-prior posterior samples of object i: sim = i, blocks 0 .. S/2 (S ≤
/// `max_normals_per_draw` samples per object).
ISMC_HD constexpr random_stream posterior_samples(std::uint64_t seed) {
  return {seed, 0u, domain::posterior_sample};
}
/// The ensemble's starting walkers of a population study: sim = walker w, block 0.
ISMC_HD constexpr random_stream walker_start(std::uint64_t seed) {
  return {seed, 0u, domain::walker_start};
}
/// The ensemble's split of the walkers into halves: uniforms 2p and 2p + 1 of step t are
/// block 0 of sim `ensemble_split_sim(t, walkers, p)`.
ISMC_HD constexpr random_stream ensemble_split(std::uint64_t seed) {
  return {seed, 0u, domain::ensemble_split};
}
/// The sim of the split's uniform pair p (p < walkers/2) at step t: t · walkers/2 + p.
ISMC_HD constexpr std::uint64_t ensemble_split_sim(std::uint64_t step, std::uint64_t walkers,
                                                   std::uint64_t pair) {
  return step * (walkers / 2) + pair;
}
/// The ensemble's stretch move of walker w at step t: sim `ensemble_stretch_sim(t,
/// walkers, w)`, block 0 (z and the partner), block 1 (the acceptance).
ISMC_HD constexpr random_stream ensemble_stretch(std::uint64_t seed) {
  return {seed, 0u, domain::ensemble_stretch};
}
/// The sim of walker w (w < walkers) at step t: t · walkers + w.
ISMC_HD constexpr std::uint64_t ensemble_stretch_sim(std::uint64_t step, std::uint64_t walkers,
                                                     std::uint64_t walker) {
  return step * walkers + walker;
}

// What the table claims, as far as the compiler can check it.
static_assert(target(max_targets - 1, false) < subsample(0),
              "target streams stay below the subsample's");
static_assert(subsample(max_targets - 1) < proposal(0),
              "subsample streams stay below the proposals'");
static_assert(proposal(max_proposals - 1) == 0xFFFFFFFFu, "proposal streams do not wrap");
static_assert(kmeans_seeding_block < random_block_limit &&
                  kmeans_subsample_block < random_block_limit &&
                  kmeans_seeding_block != kmeans_subsample_block,
              "k-means blocks stay inside their domain and apart");
static_assert((static_cast<std::uint32_t>(domain::kmeans) << random_block_bits |
               kmeans_seeding_block) == 0x6B6D0001u &&
                  (static_cast<std::uint32_t>(domain::kmeans) << random_block_bits |
                   kmeans_subsample_block) == 0x6B6D0002u,
              "k-means keeps the counter words of earlier versions");
static_assert(domain::simulation == 0 && domain::true_mu != 0 && domain::observation != 0 &&
                  domain::posterior_sample != 0 && domain::walker_start != 0 &&
                  domain::ensemble_split != 0 && domain::ensemble_stretch != 0 &&
                  domain::kmeans != 0,
              "only the rates simulations and the NUTS chains use domain 0");
static_assert(domain::true_mu != domain::observation &&
                  domain::true_mu != domain::posterior_sample &&
                  domain::true_mu != domain::walker_start &&
                  domain::true_mu != domain::ensemble_split &&
                  domain::true_mu != domain::ensemble_stretch &&
                  domain::observation != domain::posterior_sample &&
                  domain::observation != domain::walker_start &&
                  domain::observation != domain::ensemble_split &&
                  domain::observation != domain::ensemble_stretch &&
                  domain::posterior_sample != domain::walker_start &&
                  domain::posterior_sample != domain::ensemble_split &&
                  domain::posterior_sample != domain::ensemble_stretch &&
                  domain::walker_start != domain::ensemble_split &&
                  domain::walker_start != domain::ensemble_stretch &&
                  domain::ensemble_split != domain::ensemble_stretch,
              "the population study's domains are distinct");
static_assert(domain::kmeans != domain::true_mu && domain::kmeans != domain::observation &&
                  domain::kmeans != domain::posterior_sample &&
                  domain::kmeans != domain::walker_start &&
                  domain::kmeans != domain::ensemble_split &&
                  domain::kmeans != domain::ensemble_stretch,
              "k-means shares no domain with the population study");
}  // namespace streams

}  // namespace ismc
