// Deterministic k-means: known optima, recovery of well-separated Gaussian blobs, the exact
// answer for few distinct points, the subsample path, and bit-identical results for any
// thread count.
#include "ismc/rates/kmeans.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/core/rng.hpp"

namespace ismc {
namespace {

// Points drawn N(centre_b, sigma² I) for each blob b, `per_blob` each, blob after blob.
struct blobs {
  std::size_t dim = 0;
  std::vector<double> centres;  // blob centres, row-major
  std::size_t per_blob = 0;
  double sigma = 1.0;
  std::vector<double> points;
  std::vector<std::size_t> blob;  // true blob of each point
};

blobs make_blobs(std::size_t dim, std::vector<double> centres, std::size_t per_blob, double sigma,
                 std::uint64_t seed) {
  blobs out;
  out.dim = dim;
  out.centres = std::move(centres);
  out.per_blob = per_blob;
  out.sigma = sigma;
  const std::size_t count = out.centres.size() / dim;
  std::vector<double> z(dim);
  for (std::size_t b = 0; b < count; ++b) {
    for (std::size_t i = 0; i < per_blob; ++i) {
      standard_normals(random_stream{seed, static_cast<std::uint32_t>(b)}, i, z.data(),
                       static_cast<int>(dim));
      for (std::size_t k = 0; k < dim; ++k) {
        out.points.push_back(out.centres[b * dim + k] + sigma * z[k]);
      }
      out.blob.push_back(b);
    }
  }
  return out;
}

// Blob centres far enough apart (≥ 40σ) that no draw (|z| ≤ 8.57 per coordinate) can be
// nearer another blob's centre; first coordinates increasing so the canonical order of
// the fitted clusters is the blob order.
std::vector<double> separated_centres(std::size_t dim) {
  switch (dim) {
    case 1:
      return {-40.0, 3.0, 50.0, 95.0};
    case 2:
      return {-40.0, 10.0, 5.0, -35.0, 50.0, 20.0, 100.0, -5.0};
    default:
      return {-40.0, 10.0, 0.0, 5.0, -35.0, 20.0, 50.0, 20.0, -30.0, 100.0, -5.0, 45.0};
  }
}

// Σ ‖x − centre(label)‖², straightforwardly.
double recomputed_inertia(const std::vector<double>& points, std::size_t dim,
                          const kmeans_result& result) {
  double sum = 0.0;
  for (std::size_t i = 0; i < result.labels.size(); ++i) {
    for (std::size_t k = 0; k < dim; ++k) {
      const double d = points[i * dim + k] - result.centres[result.labels[i] * dim + k];
      sum += d * d;
    }
  }
  return sum;
}

// Properties every result has: sizes, labels in range, lexicographic centres, nearest
// centre labels, inertia consistent with labels and centres.
void expect_consistent(const std::vector<double>& points, std::size_t dim,
                       const kmeans_result& result) {
  const std::size_t n = points.size() / dim;
  ASSERT_EQ(result.labels.size(), n);
  ASSERT_EQ(result.centres.size(), result.clusters * dim);
  ASSERT_EQ(result.sizes.size(), result.clusters);
  std::vector<std::size_t> counts(result.clusters, 0);
  for (const std::size_t label : result.labels) {
    ASSERT_LT(label, result.clusters);
    ++counts[label];
  }
  EXPECT_EQ(counts, result.sizes);
  for (const std::size_t size : result.sizes) EXPECT_GT(size, 0u);
  for (std::size_t c = 1; c < result.clusters; ++c) {
    EXPECT_TRUE(std::lexicographical_compare(
        result.centres.begin() + (c - 1) * dim, result.centres.begin() + c * dim,
        result.centres.begin() + c * dim, result.centres.begin() + (c + 1) * dim))
        << "centres not in lexicographic order at cluster " << c;
  }
  std::size_t not_nearest = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<double> to(result.clusters, 0.0);
    for (std::size_t c = 0; c < result.clusters; ++c) {
      for (std::size_t k = 0; k < dim; ++k) {
        const double d = points[i * dim + k] - result.centres[c * dim + k];
        to[c] += d * d;
      }
    }
    const double own = to[result.labels[i]];
    if (*std::min_element(to.begin(), to.end()) < own) ++not_nearest;
  }
  EXPECT_EQ(not_nearest, 0u);
  const double expected = recomputed_inertia(points, dim, result);
  EXPECT_NEAR(result.inertia, expected, 1e-12 * expected);
}

void expect_identical(const kmeans_result& a, const kmeans_result& b) {
  EXPECT_EQ(a.clusters, b.clusters);
  EXPECT_EQ(a.centres, b.centres);  // bitwise: doubles compared with ==
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.sizes, b.sizes);
  EXPECT_EQ(a.inertia, b.inertia);
  EXPECT_EQ(a.iterations, b.iterations);
}

// Fitted clusters are the blobs: each blob's points share one label, the label of blob b is
// b (canonical order), each centre is its blob's sample mean and lies within 4 standard
// errors (σ/√n per coordinate) of the true centre.
void expect_recovers_blobs(const blobs& data, const kmeans_result& result,
                           const std::vector<double>& clustered_means, double standard_error) {
  const std::size_t dim = data.dim;
  const std::size_t count = data.centres.size() / dim;
  ASSERT_EQ(result.clusters, count);
  for (std::size_t i = 0; i < data.blob.size(); ++i) {
    ASSERT_EQ(result.labels[i], data.blob[i]) << "point " << i;
  }
  for (std::size_t b = 0; b < count; ++b) {
    EXPECT_EQ(result.sizes[b], data.per_blob);
    for (std::size_t k = 0; k < dim; ++k) {
      const double fitted = result.centres[b * dim + k];
      if (!clustered_means.empty()) {
        EXPECT_NEAR(fitted, clustered_means[b * dim + k], 1e-12 * (1.0 + std::abs(fitted)));
      }
      EXPECT_LT(std::abs(fitted - data.centres[b * dim + k]), 4.0 * standard_error)
          << "blob " << b << " coordinate " << k;
    }
  }
}

std::vector<double> blob_means(const blobs& data) {
  const std::size_t count = data.centres.size() / data.dim;
  std::vector<double> means(count * data.dim, 0.0);
  for (std::size_t i = 0; i < data.blob.size(); ++i) {
    for (std::size_t k = 0; k < data.dim; ++k) {
      means[data.blob[i] * data.dim + k] += data.points[i * data.dim + k];
    }
  }
  for (double& m : means) m /= static_cast<double>(data.per_blob);
  return means;
}

TEST(Kmeans, KnownOptimumInOneDimension) {
  kmeans_options options;
  options.clusters = 2;
  const kmeans_result result = kmeans({11.0, 0.0, 10.0, 1.0}, 1, options);
  ASSERT_EQ(result.clusters, 2u);
  EXPECT_EQ(result.centres, (std::vector<double>{0.5, 10.5}));
  EXPECT_EQ(result.labels, (std::vector<std::size_t>{1, 0, 1, 0}));
  EXPECT_EQ(result.sizes, (std::vector<std::size_t>{2, 2}));
  EXPECT_EQ(result.inertia, 1.0);
  EXPECT_GE(result.iterations, 1u);
}

TEST(Kmeans, KnownOptimumInTwoDimensions) {
  // Four corners of two unit squares 10 apart: centres at the squares' middles.
  const std::vector<double> points = {0, 0, 1, 0, 0, 1, 1, 1, 10, 0, 11, 0, 10, 1, 11, 1};
  kmeans_options options;
  options.clusters = 2;
  const kmeans_result result = kmeans(points, 2, options);
  ASSERT_EQ(result.clusters, 2u);
  EXPECT_EQ(result.centres, (std::vector<double>{0.5, 0.5, 10.5, 0.5}));
  EXPECT_EQ(result.labels, (std::vector<std::size_t>{0, 0, 0, 0, 1, 1, 1, 1}));
  EXPECT_EQ(result.inertia, 4.0);
}

TEST(Kmeans, RecoversSeparatedBlobsInOneTwoThreeDimensions) {
  for (std::size_t dim = 1; dim <= 3; ++dim) {
    SCOPED_TRACE("dim = " + std::to_string(dim));
    const blobs data = make_blobs(dim, separated_centres(dim), 2000, 1.0, 101 + dim);
    kmeans_options options;
    options.clusters = 4;
    options.seed = 7;
    const kmeans_result result = kmeans(data.points, dim, options);
    expect_consistent(data.points, dim, result);
    expect_recovers_blobs(data, result, blob_means(data), 1.0 / std::sqrt(2000.0));
  }
}

TEST(Kmeans, OneDimensionalPathAgreesWithGeneralPath) {
  // The same 1-D data, as dim = 1 (sorted fast path) and embedded in 2-D with a zero
  // second coordinate (general path): the same blobs, centres equal to rounding.
  const blobs data = make_blobs(1, separated_centres(1), 1500, 2.0, 5);
  std::vector<double> embedded;
  for (const double x : data.points) {
    embedded.push_back(x);
    embedded.push_back(0.0);
  }
  kmeans_options options;
  options.clusters = 4;
  const kmeans_result line = kmeans(data.points, 1, options);
  const kmeans_result plane = kmeans(embedded, 2, options);
  ASSERT_EQ(line.clusters, plane.clusters);
  EXPECT_EQ(line.labels, plane.labels);
  for (std::size_t c = 0; c < line.clusters; ++c) {
    EXPECT_NEAR(line.centres[c], plane.centres[2 * c], 1e-12 * (1.0 + std::abs(line.centres[c])));
    EXPECT_EQ(plane.centres[2 * c + 1], 0.0);
  }
  EXPECT_NEAR(line.inertia, plane.inertia, 1e-12 * line.inertia);
}

TEST(Kmeans, FewerDistinctPointsThanClustersGivesExactlyThosePoints) {
  std::vector<double> points;
  for (int i = 0; i < 30; ++i) points.push_back(std::vector<double>{7.0, -1.0, 2.0}[i % 3]);
  kmeans_options options;
  options.clusters = 5;
  const kmeans_result result = kmeans(points, 1, options);
  ASSERT_EQ(result.clusters, 3u);
  EXPECT_EQ(result.centres, (std::vector<double>{-1.0, 2.0, 7.0}));
  EXPECT_EQ(result.sizes, (std::vector<std::size_t>{10, 10, 10}));
  for (std::size_t i = 0; i < points.size(); ++i) {
    EXPECT_EQ(result.centres[result.labels[i]], points[i]);
  }
  EXPECT_EQ(result.inertia, 0.0);
  EXPECT_EQ(result.iterations, 0u);

  // The same in 2-D: rows equal in the first coordinate are told apart by the second.
  const std::vector<double> rows = {1, 2, 1, 3, 1, 2, 0, 5, 1, 3};
  const kmeans_result planar = kmeans(rows, 2, options);
  ASSERT_EQ(planar.clusters, 3u);
  EXPECT_EQ(planar.centres, (std::vector<double>{0, 5, 1, 2, 1, 3}));
  EXPECT_EQ(planar.labels, (std::vector<std::size_t>{1, 2, 1, 0, 2}));
  EXPECT_EQ(planar.sizes, (std::vector<std::size_t>{1, 2, 2}));
}

TEST(Kmeans, AsManyDistinctPointsAsClustersIsExact) {
  kmeans_options options;
  options.clusters = 3;
  const kmeans_result result = kmeans({4.0, 1.0, 4.0, 9.0, 1.0}, 1, options);
  ASSERT_EQ(result.clusters, 3u);
  EXPECT_EQ(result.centres, (std::vector<double>{1.0, 4.0, 9.0}));
  EXPECT_EQ(result.labels, (std::vector<std::size_t>{1, 0, 1, 2, 0}));
  EXPECT_EQ(result.inertia, 0.0);
}

TEST(Kmeans, SinglePoint) {
  const kmeans_result result = kmeans({3.5, -2.0}, 2, kmeans_options{});
  ASSERT_EQ(result.clusters, 1u);
  EXPECT_EQ(result.centres, (std::vector<double>{3.5, -2.0}));
  EXPECT_EQ(result.labels, (std::vector<std::size_t>{0}));
  EXPECT_EQ(result.sizes, (std::vector<std::size_t>{1}));
  EXPECT_EQ(result.inertia, 0.0);
}

TEST(Kmeans, OneClusterIsTheMean) {
  kmeans_options options;
  options.clusters = 1;
  const kmeans_result result = kmeans({1.0, 2.0, 6.0, 7.0}, 1, options);
  ASSERT_EQ(result.clusters, 1u);
  EXPECT_EQ(result.centres, (std::vector<double>{4.0}));
  EXPECT_EQ(result.inertia, 9.0 + 4.0 + 4.0 + 9.0);
}

// One Gaussian cloud cut into 5 clusters: many Lloyd iterations, no obvious answer, and
// (with 12,000 points) several assignment chunks: a demanding determinism check.
std::vector<double> gaussian_cloud(std::size_t dim, std::size_t n, std::uint64_t seed) {
  std::vector<double> points(n * dim);
  for (std::size_t i = 0; i < n; ++i) {
    standard_normals(random_stream{seed, 0}, i, points.data() + i * dim, static_cast<int>(dim));
  }
  return points;
}

TEST(Kmeans, SameResultForAnyThreadCount) {
  for (std::size_t dim = 1; dim <= 3; ++dim) {
    SCOPED_TRACE("dim = " + std::to_string(dim));
    const std::vector<double> points = gaussian_cloud(dim, 12000, 31 + dim);
    kmeans_options options;
    options.clusters = 5;
    options.restarts = 3;
    options.seed = 99;
    options.threads = 1;
    const kmeans_result one = kmeans(points, dim, options);
    expect_consistent(points, dim, one);
    EXPECT_EQ(one.clusters, 5u);
    EXPECT_GT(one.iterations, 2u);
    for (const unsigned threads : {2u, 16u}) {
      SCOPED_TRACE("threads = " + std::to_string(threads));
      options.threads = threads;
      expect_identical(one, kmeans(points, dim, options));
    }
    // Subsample path too.
    options.subsample = 5000;
    options.threads = 1;
    const kmeans_result sub_one = kmeans(points, dim, options);
    options.threads = 16;
    expect_identical(sub_one, kmeans(points, dim, options));
  }
}

TEST(Kmeans, SameSeedSameResultOtherSeedSameOptimumOnEasyData) {
  const blobs data = make_blobs(2, separated_centres(2), 500, 1.0, 17);
  kmeans_options options;
  options.clusters = 4;
  options.seed = 1;
  const kmeans_result first = kmeans(data.points, 2, options);
  expect_identical(first, kmeans(data.points, 2, options));
  for (const std::uint64_t seed : std::vector<std::uint64_t>{2, 3, 0xFFFFFFFF00000001u}) {
    options.seed = seed;
    const kmeans_result other = kmeans(data.points, 2, options);
    EXPECT_EQ(other.labels, first.labels) << "seed " << seed;
    EXPECT_NEAR(other.inertia, first.inertia, 1e-12 * first.inertia) << "seed " << seed;
  }
}

TEST(Kmeans, SubsampleStillLabelsEveryPointAndFindsTheBlobs) {
  for (std::size_t dim = 1; dim <= 3; ++dim) {
    SCOPED_TRACE("dim = " + std::to_string(dim));
    const blobs data = make_blobs(dim, separated_centres(dim), 3000, 1.0, 211 + dim);
    kmeans_options options;
    options.clusters = 4;
    options.subsample = 2000;  // about 500 of each blob's 3000 points
    const kmeans_result result = kmeans(data.points, dim, options);
    expect_consistent(data.points, dim, result);
    // Centres are means of the subsample's ~500 points per blob; 400 is a safe floor.
    expect_recovers_blobs(data, result, {}, 1.0 / std::sqrt(400.0));
    // Not the full-data means: only a subsample was clustered.
    const std::vector<double> means = blob_means(data);
    EXPECT_NE(result.centres, means);
  }
}

TEST(Kmeans, SubsampleWithTooFewDistinctRowsClustersEverything) {
  // 4997 copies of 0 and one each of 100, 200, 320: a 50-point subsample cannot see four
  // distinct rows unless it holds all three outliers, so all points are clustered. The
  // optimum keeps 0 alone and pairs 100 with 200 (inertia 2 · 50²; pairing 200 with 320
  // would cost 2 · 60²).
  std::vector<double> points(5000, 0.0);
  points[1234] = 100.0;
  points[2345] = 200.0;
  points[3456] = 320.0;
  kmeans_options options;
  options.clusters = 3;
  options.subsample = 50;
  const kmeans_result result = kmeans(points, 1, options);
  expect_consistent(points, 1, result);
  ASSERT_EQ(result.clusters, 3u);
  EXPECT_EQ(result.centres, (std::vector<double>{0.0, 150.0, 320.0}));
  EXPECT_EQ(result.sizes, (std::vector<std::size_t>{4997, 2, 1}));
  EXPECT_EQ(result.inertia, 2.0 * 50.0 * 50.0);
  EXPECT_GE(result.iterations, 1u);
}

TEST(Kmeans, InertiaMatchesLabelsAndCentresOnHardData) {
  for (std::size_t dim = 1; dim <= 3; ++dim) {
    SCOPED_TRACE("dim = " + std::to_string(dim));
    const std::vector<double> points = gaussian_cloud(dim, 5000, 77);
    kmeans_options options;
    options.clusters = 6;
    options.tolerance = 0.0;  // run until the partition stops changing
    const kmeans_result result = kmeans(points, dim, options);
    EXPECT_EQ(result.clusters, 6u);
    EXPECT_LT(result.iterations, options.max_iterations);
    expect_consistent(points, dim, result);
    // A converged partition: every centre is the mean of its points.
    std::vector<double> means(result.clusters * dim, 0.0);
    for (std::size_t i = 0; i < result.labels.size(); ++i) {
      for (std::size_t k = 0; k < dim; ++k)
        means[result.labels[i] * dim + k] += points[i * dim + k];
    }
    for (std::size_t c = 0; c < result.clusters; ++c) {
      for (std::size_t k = 0; k < dim; ++k) {
        EXPECT_NEAR(result.centres[c * dim + k],
                    means[c * dim + k] / static_cast<double>(result.sizes[c]), 1e-10);
      }
    }
  }
}

TEST(Kmeans, MaxIterationsZeroKeepsSeedingCentres) {
  const std::vector<double> points = gaussian_cloud(2, 1000, 3);
  kmeans_options options;
  options.max_iterations = 0;
  const kmeans_result result = kmeans(points, 2, options);
  EXPECT_EQ(result.iterations, 0u);
  // k-means++ centres are data points.
  for (std::size_t c = 0; c < result.clusters; ++c) {
    bool found = false;
    for (std::size_t i = 0; i < 1000 && !found; ++i) {
      found =
          points[2 * i] == result.centres[2 * c] && points[2 * i + 1] == result.centres[2 * c + 1];
    }
    EXPECT_TRUE(found) << "centre " << c;
  }
}

TEST(Kmeans, LargeOneDimensionalPool) {
  // The benchmark case: 10^5 1-D points, 8 clusters, 10 restarts (should take well under 1 s).
  const std::vector<double> points = gaussian_cloud(1, 100000, 2024);
  std::vector<double> tail;  // rejections of a one-sided test: the upper tail of the cloud
  for (const double x : points) tail.push_back(std::abs(x) + 1.0);
  kmeans_options options;
  options.clusters = 8;
  const kmeans_result result = kmeans(tail, 1, options);
  EXPECT_EQ(result.clusters, 8u);
  expect_consistent(tail, 1, result);
}

TEST(Kmeans, RejectsBadInput) {
  const kmeans_options defaults;
  EXPECT_THROW(kmeans({}, 1, defaults), usage_error);
  EXPECT_THROW(kmeans({1.0, 2.0}, 0, defaults), usage_error);
  EXPECT_THROW(kmeans({1.0, 2.0, 3.0}, 2, defaults), usage_error);
  EXPECT_THROW(kmeans({1.0, std::numeric_limits<double>::quiet_NaN()}, 1, defaults), usage_error);
  EXPECT_THROW(kmeans({1.0, std::numeric_limits<double>::infinity()}, 1, defaults), usage_error);
  EXPECT_THROW(kmeans({1.0, 1e200}, 1, defaults), usage_error);
  kmeans_options options;
  options.clusters = 0;
  EXPECT_THROW(kmeans({1.0}, 1, options), usage_error);
  options = defaults;
  options.restarts = 0;
  EXPECT_THROW(kmeans({1.0}, 1, options), usage_error);
  options = defaults;
  options.subsample = 2;
  EXPECT_THROW(kmeans({1.0}, 1, options), usage_error);
  options = defaults;
  options.tolerance = -1.0;
  EXPECT_THROW(kmeans({1.0}, 1, options), usage_error);
  options.tolerance = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(kmeans({1.0}, 1, options), usage_error);
  try {
    kmeans({1.0, 2.0, std::numeric_limits<double>::infinity(), 4.0}, 2, defaults);
    FAIL() << "expected usage_error";
  } catch (const usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("points[1][0]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ismc
