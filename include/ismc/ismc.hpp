#pragma once
/// @file ismc.hpp
/// @brief The whole public interface of ismc in one include: every header of
/// include/ismc/<concept>/, concept by concept from the bottom layer up (docs/ARCHITECTURE.md).
/// The layering test checks that none is missing.

// core
#include "ismc/core/config.hpp"
#include "ismc/core/devices.hpp"
#include "ismc/core/error.hpp"
#include "ismc/core/memory.hpp"
#include "ismc/core/normal_math.hpp"
#include "ismc/core/normals.hpp"
#include "ismc/core/number_text.hpp"
#include "ismc/core/progress.hpp"
#include "ismc/core/rng.hpp"
#include "ismc/core/streams.hpp"
#include "ismc/core/variates.hpp"
#include "ismc/core/test_fault.hpp"

// backend
#include "ismc/backend/backend_kind.hpp"
#include "ismc/backend/batched_log_density.hpp"

// rates
#include "ismc/rates/backend.hpp"
#include "ismc/rates/binomial.hpp"
#include "ismc/rates/binomial_exact.hpp"
#include "ismc/rates/calibrate.hpp"
#include "ismc/rates/chunks.hpp"
#include "ismc/rates/family.hpp"
#include "ismc/rates/gaussian.hpp"
#include "ismc/rates/intervals.hpp"
#include "ismc/rates/kmeans.hpp"
#include "ismc/rates/mixture.hpp"
#include "ismc/rates/mixture_math.hpp"
#include "ismc/rates/model.hpp"
#include "ismc/rates/rates.hpp"
#include "ismc/rates/registry.hpp"
#include "ismc/rates/study.hpp"
#include "ismc/rates/t_test.hpp"
#include "ismc/rates/t_test_exact.hpp"
#include "ismc/rates/tiles.hpp"
#include "ismc/rates/tilt_bound.hpp"
#include "ismc/rates/validate.hpp"

// models
#include "ismc/models/eight_schools.hpp"
#include "ismc/models/partial_pooling.hpp"
#include "ismc/models/posterior.hpp"

// samplers
#include "ismc/samplers/chains.hpp"
#include "ismc/samplers/diagnostics.hpp"
#include "ismc/samplers/ensemble.hpp"
#include "ismc/samplers/nuts.hpp"
#include "ismc/samplers/stan_csv.hpp"

// population
#include "ismc/population/exact_posterior.hpp"
#include "ismc/population/hyper_likelihood.hpp"
#include "ismc/population/point_estimates.hpp"
#include "ismc/population/samples.hpp"
#include "ismc/population/study.hpp"

// io
#include "ismc/io/population_study_file.hpp"
#include "ismc/io/stan_json.hpp"
#include "ismc/io/study_file.hpp"

// cli: the command line as a library call (link ismc::cli).
#include "ismc/cli/main.hpp"
