// The assignment step of k-means against a full scan over the centres: labels, counts,
// inertia and cluster sums on random points and on a grid full of ties, for any thread
// count; Hamerly's bounds as the centres move; the ranges of sorted 1-D points.
#include "rates/kmeans_assignment.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace ismc {
namespace {

using detail::assign_points;
using detail::assignment_totals;
using detail::dense_assigner;
using detail::line_assigner;
using detail::prefix_sums;

// Every point's nearest centre by a full scan in the order of the centres (a later centre
// wins only when strictly nearer, so the lowest number wins ties), with the counts, the
// sums of each cluster's points and the inertia, accumulated in point order.
struct full_scan {
  std::vector<std::size_t> labels;
  std::vector<std::size_t> counts;
  std::vector<double> sums;
  double inertia = 0.0;
  std::size_t farthest = 0;  // lowest index of the largest distance to the own centre
  double farthest_distance = 0.0;
};

full_scan scan(const std::vector<double>& points, std::size_t dim,
               const std::vector<double>& centres) {
  const std::size_t n = points.size() / dim;
  const std::size_t clusters = centres.size() / dim;
  full_scan out;
  out.counts.assign(clusters, 0);
  out.sums.assign(clusters * dim, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t best = 0;
    double best_distance = std::numeric_limits<double>::infinity();
    for (std::size_t c = 0; c < clusters; ++c) {
      double distance = 0.0;
      for (std::size_t k = 0; k < dim; ++k) {
        const double d = points[i * dim + k] - centres[c * dim + k];
        distance += d * d;
      }
      if (distance < best_distance) {
        best = c;
        best_distance = distance;
      }
    }
    out.labels.push_back(best);
    ++out.counts[best];
    for (std::size_t k = 0; k < dim; ++k) out.sums[best * dim + k] += points[i * dim + k];
    out.inertia += best_distance;
    if (best_distance > out.farthest_distance) {
      out.farthest = i;
      out.farthest_distance = best_distance;
    }
  }
  return out;
}

std::vector<double> normal_points(std::size_t count, double sd, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal(0.0, sd);
  std::vector<double> values(count);
  for (double& value : values) value = normal(engine);
  return values;
}

// Sums of the same points added in another order: equal to a few ulps of the magnitudes.
void expect_sums_near(const std::vector<double>& sums, const std::vector<double>& reference,
                      double magnitude) {
  ASSERT_EQ(sums.size(), reference.size());
  for (std::size_t s = 0; s < sums.size(); ++s) {
    EXPECT_NEAR(sums[s], reference[s], 1e-12 * magnitude) << "sum " << s;
  }
}

TEST(KmeansAssignment, AssignPointsIsTheNearestCentreOfAFullScan) {
  // dim 1, 2, 3 have their own unrolled loops, 5 the general one; 10,000 points are
  // several chunks.
  for (const std::size_t dim : {1u, 2u, 3u, 5u}) {
    SCOPED_TRACE("dim = " + std::to_string(dim));
    const std::size_t n = 10000;
    const std::vector<double> points = normal_points(n * dim, 2.0, 40 + dim);
    const std::vector<double> centres = normal_points(7 * dim, 2.0, 50 + dim);
    const full_scan reference = scan(points, dim, centres);

    std::vector<std::size_t> labels(n, 99);
    const assignment_totals totals =
        assign_points(points.data(), n, dim, centres, labels.data(), 1);
    EXPECT_EQ(labels, reference.labels);
    EXPECT_EQ(totals.counts, reference.counts);
    EXPECT_NEAR(totals.inertia, reference.inertia, 1e-12 * reference.inertia);

    // The same bits for any thread count, with or without labels.
    for (const unsigned threads : {2u, 16u}) {
      std::vector<std::size_t> more_labels(n, 99);
      const assignment_totals more =
          assign_points(points.data(), n, dim, centres, more_labels.data(), threads);
      EXPECT_EQ(more_labels, labels) << threads << " threads";
      EXPECT_EQ(more.counts, totals.counts) << threads << " threads";
      EXPECT_EQ(more.inertia, totals.inertia) << threads << " threads";
    }
    const assignment_totals unlabelled = assign_points(points.data(), n, dim, centres, nullptr, 4);
    EXPECT_EQ(unlabelled.counts, totals.counts);
    EXPECT_EQ(unlabelled.inertia, totals.inertia);
  }
}

TEST(KmeansAssignment, TiesGoToTheLowestCentreNumber) {
  // Integer points and centres: squared distances are exact, so equidistant centres tie
  // exactly; centre 3 repeats centre 1 and must stay empty.
  for (const std::size_t dim : {1u, 2u, 3u, 4u}) {
    SCOPED_TRACE("dim = " + std::to_string(dim));
    std::mt19937_64 engine(7 + dim);
    std::uniform_int_distribution<int> coordinate(-3, 3);
    std::vector<double> points(600 * dim), centres;
    for (double& value : points) value = coordinate(engine);
    for (const int c : {2, -2, 0, -2, 1}) {
      for (std::size_t k = 0; k < dim; ++k) centres.push_back(k == 0 ? c : 0.0);
    }
    const full_scan reference = scan(points, dim, centres);
    std::vector<std::size_t> labels(600);
    const assignment_totals totals =
        assign_points(points.data(), 600, dim, centres, labels.data(), 2);
    EXPECT_EQ(labels, reference.labels);
    EXPECT_EQ(totals.counts, reference.counts);
    EXPECT_EQ(totals.inertia, reference.inertia);  // integers: exact in any order
    EXPECT_EQ(totals.counts[3], 0u);
    // Halfway between centre 2 (at 0) and centre 4 (at 1): the tie goes to centre 2.
    std::vector<double> halfway(dim, 0.0);
    halfway[0] = 0.5;
    std::size_t label = 99;
    assign_points(halfway.data(), 1, dim, centres, &label, 1);
    EXPECT_EQ(label, 2u);
  }
}

TEST(KmeansAssignment, DenseAssignerMatchesAFullScanAsTheCentresMove) {
  // Lloyd's own centre updates, then a jolt that moves one centre far: the bounds must
  // still give exactly the full scan's partition at every step.
  for (const std::size_t dim : {1u, 2u, 3u, 4u}) {
    SCOPED_TRACE("dim = " + std::to_string(dim));
    const std::size_t n = 9000, clusters = 6;
    const std::vector<double> points = normal_points(n * dim, 3.0, 60 + dim);
    std::vector<double> centres(points.begin(), points.begin() + clusters * dim);
    dense_assigner assigner(points.data(), n, dim, clusters, 1);
    dense_assigner threaded(points.data(), n, dim, clusters, 8);
    for (int step = 0; step < 12; ++step) {
      SCOPED_TRACE("step " + std::to_string(step));
      if (step == 8) {
        for (std::size_t k = 0; k < dim; ++k) centres[2 * dim + k] += 5.0;
      }
      const full_scan reference = scan(points, dim, centres);
      const bool changed = assigner.assign(centres);
      threaded.assign(centres);
      if (step == 0) EXPECT_TRUE(changed);
      EXPECT_EQ(assigner.counts(), reference.counts);
      expect_sums_near(assigner.sums(), reference.sums, 3.0 * static_cast<double>(n));
      EXPECT_EQ(threaded.counts(), assigner.counts());
      EXPECT_EQ(threaded.sums(), assigner.sums());  // bitwise
      const double* farthest = assigner.farthest_point();
      ASSERT_NE(farthest, nullptr);
      EXPECT_EQ(farthest, points.data() + reference.farthest * dim);

      // The same centres again: the partition did not change.
      assigner.commit();
      threaded.commit();
      EXPECT_FALSE(assigner.assign(centres));
      threaded.assign(centres);
      assigner.commit();
      threaded.commit();
      for (std::size_t c = 0; c < clusters; ++c) {
        for (std::size_t k = 0; k < dim; ++k) {
          const std::size_t s = c * dim + k;
          if (assigner.counts()[c] > 0) {
            centres[s] = assigner.sums()[s] / static_cast<double>(assigner.counts()[c]);
          }
        }
      }
    }
  }
}

TEST(KmeansAssignment, DenseAssignerFindsNoFarthestPointWhenEveryPointIsACentre) {
  const std::vector<double> points = {1.0, 2.0, 3.0, 4.0, 1.0, 2.0};
  dense_assigner assigner(points.data(), 3, 2, 2, 1);
  EXPECT_TRUE(assigner.assign({1.0, 2.0, 3.0, 4.0}));
  EXPECT_EQ(assigner.counts(), (std::vector<std::size_t>{2, 1}));
  EXPECT_EQ(assigner.sums(), (std::vector<double>{2.0, 4.0, 3.0, 4.0}));
  EXPECT_EQ(assigner.farthest_point(), nullptr);
}

TEST(KmeansAssignment, LineAssignerMatchesAFullScanOnSortedPoints) {
  // Sorted 1-D points with many duplicates and points exactly halfway between centres;
  // unsorted centres with a duplicate (centre 4 repeats centre 1 and stays empty).
  std::mt19937_64 engine(70);
  std::uniform_int_distribution<int> half_steps(-40, 40);
  std::vector<double> points(3000);
  for (double& value : points) value = 0.5 * half_steps(engine);
  std::sort(points.begin(), points.end());
  const prefix_sums prefix(points);
  line_assigner assigner(points, prefix, 5);
  dense_assigner dense(points.data(), points.size(), 1, 5, 1);
  const std::vector<std::vector<double>> steps = {
      {3.0, -5.0, 10.0, 0.0, -5.0}, {2.5, -7.0, 9.0, 0.5, -7.0}, {-20.0, 20.0, 0.0, 1.0, 20.0}};
  for (std::size_t step = 0; step < steps.size(); ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    const std::vector<double>& centres = steps[step];
    const full_scan reference = scan(points, 1, centres);
    EXPECT_TRUE(assigner.assign(centres));
    EXPECT_EQ(assigner.counts(), reference.counts);
    EXPECT_EQ(assigner.counts()[4], 0u);
    expect_sums_near(assigner.sums(), reference.sums, 20.0 * static_cast<double>(points.size()));
    const double* farthest = assigner.farthest_point();
    ASSERT_NE(farthest, nullptr);
    EXPECT_EQ(*farthest, points[reference.farthest]);
    // The dense pass on the same points: the same partition.
    dense.assign(centres);
    EXPECT_EQ(dense.counts(), assigner.counts());
    assigner.commit();
    dense.commit();
    EXPECT_FALSE(assigner.assign(centres));
    assigner.commit();
  }
}

TEST(KmeansAssignment, PrefixSumsAreCompensated) {
  // 1e16 + 1 rounds back to 1e16 in plain double sums; the compensation keeps the ones.
  const std::vector<double> values = {1e16, 1.0, 1.0, -1e16, 0.25};
  const prefix_sums prefix(values);
  EXPECT_EQ(prefix.range(0, 4), 2.0);
  EXPECT_EQ(prefix.range(1, 3), 2.0);
  EXPECT_EQ(prefix.range(0, 5), 2.25);
  EXPECT_EQ(prefix.range(4, 5), 0.25);
  EXPECT_EQ(prefix.range(2, 2), 0.0);
}

}  // namespace
}  // namespace ismc
