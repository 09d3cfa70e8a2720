#pragma once
/// @file kernels/device_family.cuh
/// @brief A family as the kernels see it: its fields, with any table it points at copied to the
/// device for the life of this object (one upload per backend stage). Most families are
/// plain values; the binomial two-arm tests point at their threshold tables.

#include "ismc/kernels/device_memory.cuh"
#include "ismc/rates/binomial.hpp"

namespace ismc::detail {

/// The device form of `Family`: `family` is passed to the kernels by value.
template <class Family>
struct device_family {
  explicit device_family(const Family& host) : family(host) {}
  Family family;
};

/// The binomial two-arm tests: the threshold tables uploaded, `thresholds` pointing there.
template <>
struct device_family<binomial_pairwise_test> {
  explicit device_family(const binomial_pairwise_test& host)
      : tables(host.table_size()), family(host) {
    copy_to_device(tables.get(), host.thresholds, host.table_size());
    family.thresholds = tables.get();
  }
  device_buffer<std::uint32_t> tables;
  binomial_pairwise_test family;
};

}  // namespace ismc::detail
