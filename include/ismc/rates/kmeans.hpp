#pragma once
/// @file kmeans.hpp
/// @brief Deterministic k-means (k-means++ seeding, Lloyd iterations) for clustering the
/// pooled rejected pilot samples (spec, "Mixture importance sampling", step 2).
///
/// The result is a pure function of the points, the dimension and the options other than
/// `threads`: the same bits on any number of threads. All randomness comes from Philox
/// (`ismc::random_bits`) keyed by `kmeans_options::seed`:
///
/// - k-means++ seeding of restart r draws from `streams::kmeans_seeding(seed, r)`, counter =
///   the index of the centre being chosen, counter word 0x6B6D0001 (the k-means domain 0x6B,
///   block 0x6D0001; core/streams.hpp);
/// - the subsample draws from `streams::kmeans_subsample(seed)`, counter = the draw number,
///   counter word 0x6B6D0002.
///
/// The block numbers lie far above those the simulations use (block b gives normals 2b and
/// 2b + 1), so even a caller that passes the study's own seed does not reuse the bits of
/// any simulation.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ismc {

/// Settings of `kmeans`. Invalid values are rejected with `usage_error`, never clamped.
struct kmeans_options {
  /// Number of clusters C requested, at least 1. Fewer are used when the points have at
  /// most C distinct rows (see `kmeans`).
  std::size_t clusters = 5;
  /// Independent k-means++ initialisations, at least 1; the one with the lowest inertia
  /// over the clustered points wins (the lowest restart number on ties).
  std::size_t restarts = 10;
  /// Most Lloyd iterations (assignment + centre update) per restart; 0 keeps the k-means++
  /// centres.
  std::size_t max_iterations = 300;
  /// Most points clustered, at least `clusters`. With more points than this, k-means runs on
  /// a uniform random subsample without replacement of exactly this many points
  /// (deterministic for the seed); the final labels, sizes and inertia are then computed
  /// over ALL points by nearest centre. If the subsample has at most `clusters` distinct
  /// rows while the full set has more, all points are clustered instead.
  std::size_t subsample = 100000;
  /// Relative convergence tolerance, finite and ≥ 0. A restart stops when its partition
  /// no longer changes, or when the total squared centre shift of one iteration,
  /// Σ_c ‖new_c − old_c‖², is at most `tolerance` times the total variance of the clustered
  /// points (their mean squared distance to their mean, in squared units of the data).
  /// The variance rather than the mean squared norm keeps the test translation invariant.
  double tolerance = 1e-10;
  /// Seed of every random choice (see the file comment for the streams used).
  std::uint64_t seed = 0;
  /// Worker threads; 0 means all hardware threads. The result does not depend on it.
  unsigned threads = 0;
};

/// The clustering `kmeans` returns, in canonical order: clusters sorted by centre
/// lexicographically (first coordinate, then the next, …), labels numbered accordingly.
struct kmeans_result {
  /// Number of clusters C' actually used: at most `kmeans_options::clusters`, fewer when the
  /// points have fewer distinct rows, or (degenerate data only) when a cluster ends up with
  /// no point and is dropped. Every reported cluster has at least one point.
  std::size_t clusters = 0;
  /// Cluster centres, C' × dim, row-major, in the units of the points.
  std::vector<double> centres;
  /// Cluster of every input point, in [0, C'), in input order.
  std::vector<std::size_t> labels;
  /// Number of input points in each cluster (over all points, not only the subsample).
  std::vector<std::size_t> sizes;
  /// Σ over all points of the squared Euclidean distance to their assigned centre.
  double inertia = 0.0;
  /// Lloyd iterations of the winning restart (0 when the answer was exact without any).
  std::size_t iterations = 0;
};

/// Deterministic k-means of n points in `dim` dimensions.
///
/// - If the points have at most `options.clusters` distinct rows (exact equality of whole
///   rows), the answer is exact: one cluster per distinct row, centres exactly those rows,
///   inertia 0, iterations 0 (the spec's "too few rejections" rule).
/// - Otherwise: optionally subsample (see `kmeans_options::subsample`); for each restart,
///   k-means++ (D² sampling) seeding then Lloyd iterations; a cluster left empty by an
///   assignment is re-seeded with the point farthest from its assigned centre (lowest index
///   on ties). Points are assigned to the nearest centre, the lowest centre number on ties.
///   The winning centres then label every input point by nearest centre.
///
/// One-dimensional data take a faster path: the clustered points are sorted once, so an
/// assignment is C binary searches and each cluster sum a difference of compensated prefix
/// sums. In higher dimensions Hamerly's distance bounds let most points skip the scan over
/// all centres; a point skips only when its bounds clear a margin far above rounding error,
/// so the labels are those of a full nearest-centre pass.
///
/// @param points row-major n × dim coordinates, every one finite and at most 1e100 in
///        magnitude (so squared distances cannot overflow); n ≥ 1
/// @param dim dimension of each point, ≥ 1; `points.size()` must be a multiple of it
/// @param options clusters, restarts, iterations, subsample, tolerance, seed, threads
/// @return the canonical clustering (see `kmeans_result`)
/// @throws usage_error on empty input, a bad dimension, a non-finite or huge coordinate,
///         or an invalid option; the message names the field and the value
kmeans_result kmeans(const std::vector<double>& points, std::size_t dim,
                     const kmeans_options& options);

}  // namespace ismc
