#pragma once
/// @file kmeans_assignment.hpp (private)
/// @brief The assignment step of k-means (src/rates/kmeans.cpp): every point goes to its
/// nearest centre in squared Euclidean distance, the lowest centre number on ties. Three
/// forms: `assign_points`, a labelling pass that also counts and sums the inertia;
/// `dense_assigner`, Lloyd's assignment step in any dimension with Hamerly's bounds; and
/// `line_assigner`, Lloyd's assignment step for sorted 1-D points. Points and centres are
/// row-major, `dim` values a row. The results are the same bits for any thread count.

#include <cstddef>
#include <vector>

namespace ismc::detail {

/// Σ_k (a_k − b_k)² over the `dim` coordinates of two rows.
inline double squared_distance(const double* a, const double* b, std::size_t dim) {
  double sum = 0.0;
  for (std::size_t k = 0; k < dim; ++k) {
    const double difference = a[k] - b[k];
    sum += difference * difference;
  }
  return sum;
}

/// Points per cluster and inertia of a nearest-centre assignment.
struct assignment_totals {
  std::vector<std::size_t> counts;
  double inertia = 0.0;
};

/// Nearest-centre assignment of the n points to the centres.size() / dim centres: the
/// number of points of each centre and Σ over the points of the squared distance to their
/// centre; with `labels` not null, labels[i] is point i's centre. `threads` workers (≥ 1).
assignment_totals assign_points(const double* points, std::size_t n, std::size_t dim,
                                const std::vector<double>& centres, std::size_t* labels,
                                unsigned threads);

/// Lloyd's assignment step for points in any dimension, with Hamerly's bounds (Hamerly
/// 2010): per point an upper bound on the distance to its centre and a lower bound on the
/// distance to every other centre, moved by the centres' shifts, let most points skip the
/// scan over all centres. A point skips only when its bounds clear a margin far above
/// rounding error, so the labels are exactly those of a full nearest-centre pass (lowest
/// centre number on ties) and, points being independent, the same for any thread count.
/// The points are not copied: they must outlive the assigner.
class dense_assigner {
 public:
  dense_assigner(const double* points, std::size_t n, std::size_t dim, std::size_t clusters,
                 unsigned threads);

  /// Assigns every point to its nearest centre; true when some label changed in this pass
  /// (always true before the first commit). Lloyd only asks after a single pass since the
  /// last commit, so "changed in this pass" is "differs from the committed partition".
  bool assign(const std::vector<double>& centres);

  /// Per centre, the sum of its points (clusters × dim) and their number, of the last pass.
  const std::vector<double>& sums() const { return sums_; }
  const std::vector<std::size_t>& counts() const { return counts_; }

  /// The point farthest from its assigned centre (lowest index on ties), or null when every
  /// point sits on a centre.
  const double* farthest_point() const;

  /// The last assignment becomes the reference for "the partition changed".
  void commit() { committed_ = true; }

 private:
  void prepare_bounds(const std::vector<double>& centres);

  template <std::size_t Dim>
  void assign_chunk(const std::vector<double>& centres, std::size_t first, std::size_t last,
                    double* sums, std::size_t* counts, std::size_t* chunk_changed);

  const double* points_;
  std::size_t n_;
  std::size_t dim_;
  std::size_t clusters_;
  unsigned threads_;
  std::vector<std::size_t> labels_;
  std::vector<double> upper_;  // ≥ distance to the assigned centre
  std::vector<double> lower_;  // ≤ distance to every other centre
  std::vector<double> moves_;
  std::vector<double> half_gaps_;
  std::vector<double> previous_centres_;
  std::vector<double> sums_;
  std::vector<std::size_t> counts_;
  double largest_move_ = 0.0;
  double second_move_ = 0.0;
  std::size_t mover_ = 0;
  double margin_ = 0.0;
  bool bounded_ = false;
  bool committed_ = false;
};

/// Compensated (Neumaier) prefix sums of sorted 1-D data: prefix i ≈ high[i] + low[i].
struct prefix_sums {
  std::vector<double> high;
  std::vector<double> low;

  explicit prefix_sums(const std::vector<double>& values);

  /// Σ values[begin, end).
  double range(std::size_t begin, std::size_t end) const {
    return (high[end] - high[begin]) + (low[end] - low[begin]);
  }
};

/// Lloyd's assignment step for sorted 1-D points: every cluster is a contiguous range,
/// found by binary search between neighbouring centres, and its sum comes from prefix sums.
/// Same tie rule as the dense pass: the lower centre number wins. The points and their
/// prefix sums are not copied: they must outlive the assigner.
class line_assigner {
 public:
  line_assigner(const std::vector<double>& sorted, const prefix_sums& prefix, std::size_t clusters)
      : x_(sorted),
        prefix_(prefix),
        clusters_(clusters),
        begin_(clusters),
        end_(clusters),
        committed_begin_(clusters),
        committed_end_(clusters),
        sums_(clusters),
        counts_(clusters),
        order_(clusters) {}

  /// As dense_assigner::assign.
  bool assign(const std::vector<double>& centres);

  const std::vector<double>& sums() const { return sums_; }
  const std::vector<std::size_t>& counts() const { return counts_; }

  /// The point farthest from its centre (an end of its cluster's range), or null when
  /// every point sits on a centre.
  const double* farthest_point() const;

  /// As dense_assigner::commit.
  void commit();

 private:
  const std::vector<double>& x_;
  const prefix_sums& prefix_;
  std::size_t clusters_;
  std::vector<std::size_t> begin_, end_;
  std::vector<std::size_t> committed_begin_, committed_end_;
  std::vector<double> sums_;
  std::vector<std::size_t> counts_;
  std::vector<std::size_t> order_;
  std::vector<double> centres_;
  bool committed_ = false;
};

}  // namespace ismc::detail
