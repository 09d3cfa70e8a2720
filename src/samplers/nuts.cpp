// The No-U-Turn sampler as Stan >= 2.21 runs it: stan-dev/stan
// src/stan/mcmc/hmc/nuts/base_nuts.hpp (multinomial sampling, generalized U-turn criterion
// with the checks across the subtree seam), hmc/base_hmc.hpp (init_stepsize),
// hmc/nuts/adapt_{diag,dense}_e_nuts.hpp and services/util/run_adaptive_sampler.hpp (the
// warmup loop). The metrics live in nuts_metric.hpp, the adaptation classes in
// nuts_adaptation.hpp, the chain's random stream in chain_random.hpp.

#include "ismc/samplers/nuts.hpp"
#include "ismc/core/number_text.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "ismc/core/error.hpp"
#include "ismc/core/streams.hpp"
#include "samplers/chain_random.hpp"
#include "samplers/nuts_adaptation.hpp"
#include "samplers/nuts_metric.hpp"
#include "samplers/unchecked.hpp"

namespace ismc {

std::string to_string(metric_kind metric) {
  switch (metric) {
    case metric_kind::diag:
      return "diag";
    case metric_kind::dense:
      return "dense";
  }
  throw usage_error("unknown metric kind");
}

namespace {

using Eigen::VectorXd;
using nuts_detail::chain_random;
using nuts_detail::dense_metric;
using nuts_detail::diag_metric;

constexpr double infinity = std::numeric_limits<double>::infinity();
// Stan's max_deltaH_: an energy error above this marks the trajectory divergent.
constexpr double max_energy_error = 1000.0;
// Stan's MAX_INIT_TRIES in services/util/initialize.hpp.
constexpr int max_init_tries = 100;
// n_leapfrog is an int: 2^30 steps is already far beyond any useful trajectory.
constexpr std::size_t max_tree_depth_limit = 30;


// A point in phase space (Stan's ps_point): position, momentum, potential V = −log p(q) and
// its gradient ∂V/∂q.
struct phase_point {
  VectorXd q;
  VectorXd p;
  VectorXd g;
  double V = 0.0;
};

// dst = src for vectors of equal size. Eigen's assignment is an out-of-line call with a
// resize check; inline, the handful of copies at each leaf of a tree cost much less.
void copy(const VectorXd& src, VectorXd& dst) { std::copy_n(src.data(), src.size(), dst.data()); }

void copy(const phase_point& src, phase_point& dst) {
  copy(src.q, dst.q);
  copy(src.p, dst.p);
  copy(src.g, dst.g);
  dst.V = src.V;
}

// Exchanges two points of equal size in O(1) (Eigen swaps the buffers): where the source of
// an assignment is dead afterwards, a swap does the assignment's work for free.
void swap(phase_point& a, phase_point& b) {
  a.q.swap(b.q);
  a.p.swap(b.p);
  a.g.swap(b.g);
  std::swap(a.V, b.V);
}

double log_sum_exp(double a, double b) {
  if (a == -infinity) return b;
  if (b == -infinity) return a;
  if (a == infinity && b == infinity) return infinity;
  return a > b ? a + std::log1p(std::exp(b - a)) : b + std::log1p(std::exp(a - b));
}

// Generalized no-U-turn criterion: the summed momentum rho points forward at both ends, in
// the metric's sharp coordinates p♯ = M⁻¹p.
bool no_u_turn(const VectorXd& p_sharp_minus, const VectorXd& p_sharp_plus, const VectorXd& rho) {
  return p_sharp_plus.dot(rho) > 0 && p_sharp_minus.dot(rho) > 0;
}

// Multinomial NUTS with a Euclidean metric and the explicit leapfrog integrator.
//
// Every vector a transition needs is allocated once per chain (the subtree levels on their
// first use), so steady-state transitions allocate nothing; the arithmetic is Stan's, in
// Stan's order, so the draws do not depend on this bookkeeping.
template <class Metric>
class nuts_sampler {
 public:
  nuts_sampler(const posterior_model& model, chain_random& random, int max_depth, Metric metric)
      : model_(model),
        random_(random),
        metric_(std::move(metric)),
        max_depth_(max_depth),
        dim_(static_cast<Eigen::Index>(model.dim())),
        // build_tree runs at depths 0 .. max_depth − 1; level 0 (a leaf) needs no workspace.
        subtrees_(static_cast<std::size_t>(max_depth)) {
    for (phase_point* z : {&z_, &z_init_, &z_fwd_, &z_bck_, &z_sample_, &z_propose_}) {
      resize(*z, dim_);
    }
    for (VectorXd* v : {&p_fwd_fwd_, &p_sharp_fwd_fwd_, &p_fwd_bck_, &p_sharp_fwd_bck_, &p_bck_fwd_,
                        &p_sharp_bck_fwd_, &p_bck_bck_, &p_sharp_bck_bck_, &rho_, &rho_fwd_,
                        &rho_bck_, &rho_extended_, &p_sharp_step_}) {
      *v = VectorXd::Zero(dim_);
    }
  }

  void seed(const VectorXd& q) {
    z_.q = q;
    update_potential_gradient(z_);
  }

  const VectorXd& position() const { return z_.q; }
  Metric& metric() { return metric_; }
  double& nominal_stepsize() { return nominal_stepsize_; }

  // Stan's base_hmc::init_stepsize: from the current point, double (or halve) the nominal
  // step size until the acceptance probability of one leapfrog step crosses 0.8.
  void init_stepsize() {
    z_init_ = z_;
    if (nominal_stepsize_ == 0 || nominal_stepsize_ > 1e7 || std::isnan(nominal_stepsize_)) {
      return;
    }
    const double log_target = std::log(0.8);
    const double first_delta_h = one_step_energy_change();
    const int direction = first_delta_h > log_target ? 1 : -1;
    while (true) {
      z_ = z_init_;
      const double delta_h = one_step_energy_change();
      if (direction == 1 && !(delta_h > log_target)) break;
      if (direction == -1 && !(delta_h < log_target)) break;
      nominal_stepsize_ = direction == 1 ? 2.0 * nominal_stepsize_ : 0.5 * nominal_stepsize_;
      if (nominal_stepsize_ > 1e7) {
        throw runtime_failure(
            "NUTS: the step size heuristic diverged (step size > 1e7); the "
            "posterior is improper");
      }
      if (nominal_stepsize_ == 0) {
        throw runtime_failure(
            "NUTS: no acceptably small step size could be found; the "
            "posterior may not be continuous");
      }
    }
    z_ = z_init_;
  }

  // One NUTS transition from the current point (Stan's base_nuts::transition).
  nuts_draw transition() {
    const double epsilon = nominal_stepsize_;
    metric_.sample_p(z_.p, random_);

    // The sample starts as the current point: z_ moves into z_sample_ (a swap, no copy) and
    // the sample moves back at the end. z_propose_ needs no start value: build_tree
    // writes it before any read.
    swap(z_sample_, z_);
    copy(z_sample_, z_fwd_);  // forward end of the trajectory
    copy(z_sample_, z_bck_);  // backward end

    // Momenta and sharp momenta at both ends of the forward and of the backward subtree.
    // (Stan also starts p_fwd_bck, p_bck_fwd and their sharp forms at p. Each doubling
    // assigns one of those pairs and build_tree writes the other before the U-turn checks
    // read them, so their start values are never read.)
    p_fwd_fwd_ = z_sample_.p;
    metric_.dtau_dp(z_sample_.p, p_sharp_fwd_fwd_);
    p_bck_bck_ = z_sample_.p;
    p_sharp_bck_bck_ = p_sharp_fwd_fwd_;

    rho_ = z_sample_.p;  // summed momenta along the trajectory

    tree_state tree;
    tree.H0 = Metric::tau(z_sample_.p, p_sharp_fwd_fwd_) + z_sample_.V;
    tree.epsilon = epsilon;
    double log_sum_weight = 0.0;  // log(exp(H0 − H0))
    int depth = 0;
    divergent_ = false;

    while (depth < max_depth_) {
      reserve_subtrees(depth);
      rho_fwd_.setZero();
      rho_bck_.setZero();
      double log_sum_weight_subtree = -infinity;
      bool valid_subtree = false;

      // Stan copies the end to extend into this->z_ and back; here build_tree moves that
      // end itself.
      if (random_.uniform() > 0.5) {
        // Extend forward: the old trajectory becomes the backward part.
        rho_bck_ = rho_;
        p_bck_fwd_ = p_fwd_fwd_;
        p_sharp_bck_fwd_ = p_sharp_fwd_fwd_;
        valid_subtree =
            build_tree(depth, z_fwd_, z_propose_, p_sharp_fwd_bck_, p_sharp_fwd_fwd_, rho_fwd_,
                       p_fwd_bck_, p_fwd_fwd_, 1.0, log_sum_weight_subtree, tree);
      } else {
        // Extend backward: the old trajectory becomes the forward part.
        rho_fwd_ = rho_;
        p_fwd_bck_ = p_bck_bck_;
        p_sharp_fwd_bck_ = p_sharp_bck_bck_;
        valid_subtree =
            build_tree(depth, z_bck_, z_propose_, p_sharp_bck_fwd_, p_sharp_bck_bck_, rho_bck_,
                       p_bck_fwd_, p_bck_bck_, -1.0, log_sum_weight_subtree, tree);
      }

      if (!valid_subtree) break;
      ++depth;

      // Biased progressive sampling: favour the new subtree. (Swaps: the next extension
      // rewrites z_propose_ before reading it.)
      if (log_sum_weight_subtree > log_sum_weight) {
        swap(z_sample_, z_propose_);
      } else {
        const double accept_prob = std::exp(log_sum_weight_subtree - log_sum_weight);
        if (random_.uniform() < accept_prob) swap(z_sample_, z_propose_);
      }
      log_sum_weight = log_sum_exp(log_sum_weight, log_sum_weight_subtree);

      rho_ = rho_bck_;
      rho_ += rho_fwd_;
      // Around the merged trajectory, then across the seam between its two parts. (The
      // checks are pure: skipping the later ones once one fails changes nothing.)
      bool persist = no_u_turn(p_sharp_bck_bck_, p_sharp_fwd_fwd_, rho_);
      if (persist) {
        rho_extended_ = rho_bck_ + p_fwd_bck_;
        persist = no_u_turn(p_sharp_bck_bck_, p_sharp_fwd_bck_, rho_extended_);
      }
      if (persist) {
        rho_extended_ = rho_fwd_ + p_bck_fwd_;
        persist = no_u_turn(p_sharp_bck_fwd_, p_sharp_fwd_fwd_, rho_extended_);
      }
      if (!persist) break;
    }

    swap(z_, z_sample_);
    nuts_draw draw;
    draw.lp = -z_.V;
    // Mean over every state built, rejected subtrees included.
    draw.accept_stat = tree.sum_metro_prob / static_cast<double>(tree.n_leapfrog);
    draw.stepsize = epsilon;
    draw.treedepth = depth;
    draw.n_leapfrog = tree.n_leapfrog;
    draw.divergent = divergent_;
    draw.energy = hamiltonian(z_);
    return draw;
  }

 private:
  struct tree_state {
    double H0 = 0.0;
    double epsilon = 0.0;
    int n_leapfrog = 0;
    double sum_metro_prob = 0.0;
  };

  // The locals of one build_tree call at depth ≥ 1 (Stan allocates them in every call).
  // Calls at one depth never overlap (a call's two halves run one after the other, one
  // level down), so one workspace per depth serves them all.
  struct subtree_workspace {
    phase_point z_propose_final;
    VectorXd p_init_end, p_sharp_init_end, rho_init;
    VectorXd p_final_beg, p_sharp_final_beg, rho_final;
    VectorXd rho_subtree, rho_extended;
  };

  static void resize(phase_point& z, Eigen::Index dim) {
    z.q = VectorXd::Zero(dim);
    z.p = VectorXd::Zero(dim);
    z.g = VectorXd::Zero(dim);
  }

  // Allocates the workspaces of subtree depths 1 .. depth on first use: a chain that never
  // builds deep trees never pays for them (30 levels of a large model would be a lot).
  void reserve_subtrees(int depth) {
    while (reserved_depth_ < depth) {
      subtree_workspace& ws = subtrees_[static_cast<std::size_t>(++reserved_depth_)];
      resize(ws.z_propose_final, dim_);
      for (VectorXd* v :
           {&ws.p_init_end, &ws.p_sharp_init_end, &ws.rho_init, &ws.p_final_beg,
            &ws.p_sharp_final_beg, &ws.rho_final, &ws.rho_subtree, &ws.rho_extended}) {
        *v = VectorXd::Zero(dim_);
      }
    }
  }

  double hamiltonian(const phase_point& z) {
    metric_.dtau_dp(z.p, p_sharp_step_);
    return Metric::tau(z.p, p_sharp_step_) + z.V;
  }

  void update_potential_gradient(phase_point& z) const {
    const double log_density = model_.log_density(z.q.data(), z.g.data());
    // −∞, NaN (and an improper +∞) are all "no density here": the state gets H = +∞.
    z.V = std::isfinite(log_density) ? -log_density : infinity;
    z.g = -z.g;
  }

  void leapfrog(phase_point& z, double epsilon) {
    z.p -= (0.5 * epsilon) * z.g;
    metric_.dtau_dp(z.p, p_sharp_step_);
    z.q += epsilon * p_sharp_step_;
    update_potential_gradient(z);
    z.p -= (0.5 * epsilon) * z.g;
  }

  // H0 − H after one leapfrog step of the nominal step size from z_ with fresh momentum.
  double one_step_energy_change() {
    metric_.sample_p(z_.p, random_);
    const double H0 = hamiltonian(z_);
    leapfrog(z_, nominal_stepsize_);
    double h = hamiltonian(z_);
    if (std::isnan(h)) h = infinity;
    return H0 - h;
  }

  // Builds a subtree of 2^depth leapfrog steps in direction `sign` from the trajectory end
  // z, which it moves to the subtree's far end (Stan's base_nuts::build_tree, with Stan's
  // this->z_ passed as z); returns whether the subtree is valid (no divergence, no U-turn
  // inside). Writes the subtree's proposal, end momenta and sharp end momenta into the
  // given vectors, and adds its summed momentum to `rho`.
  bool build_tree(int depth, phase_point& z, phase_point& z_propose, VectorXd& p_sharp_beg,
                  VectorXd& p_sharp_end, VectorXd& rho, VectorXd& p_beg, VectorXd& p_end,
                  double sign, double& log_sum_weight, tree_state& tree) {
    if (depth == 0) {
      leapfrog(z, sign * tree.epsilon);
      ++tree.n_leapfrog;

      // M⁻¹p serves both the kinetic energy and the sharp momentum.
      metric_.dtau_dp(z.p, p_sharp_beg);
      double h = Metric::tau(z.p, p_sharp_beg) + z.V;
      if (std::isnan(h)) h = infinity;
      if (h - tree.H0 > max_energy_error) divergent_ = true;

      log_sum_weight = log_sum_exp(log_sum_weight, tree.H0 - h);
      tree.sum_metro_prob += tree.H0 - h > 0 ? 1.0 : std::exp(tree.H0 - h);

      copy(z, z_propose);
      copy(p_sharp_beg, p_sharp_end);
      rho += z.p;
      copy(z.p, p_beg);
      copy(z.p, p_end);
      return !divergent_;
    }

    subtree_workspace& ws = subtrees_[static_cast<std::size_t>(depth)];

    // The initial half.
    double log_sum_weight_init = -infinity;
    ws.rho_init.setZero();
    const bool valid_init =
        build_tree(depth - 1, z, z_propose, p_sharp_beg, ws.p_sharp_init_end, ws.rho_init, p_beg,
                   ws.p_init_end, sign, log_sum_weight_init, tree);
    if (!valid_init) return false;

    // The final half. (Stan starts z_propose_final as a copy of z_; its first leaf
    // overwrites it before any use, so the copy is skipped.)
    double log_sum_weight_final = -infinity;
    ws.rho_final.setZero();
    const bool valid_final =
        build_tree(depth - 1, z, ws.z_propose_final, ws.p_sharp_final_beg, p_sharp_end,
                   ws.rho_final, ws.p_final_beg, p_end, sign, log_sum_weight_final, tree);
    if (!valid_final) return false;

    // Uniform multinomial sample between the halves. (Swaps: z_propose_final is rewritten
    // before its next read.)
    const double log_sum_weight_subtree = log_sum_exp(log_sum_weight_init, log_sum_weight_final);
    log_sum_weight = log_sum_exp(log_sum_weight, log_sum_weight_subtree);
    if (log_sum_weight_final > log_sum_weight_subtree) {
      swap(z_propose, ws.z_propose_final);
    } else {
      const double accept_prob = std::exp(log_sum_weight_final - log_sum_weight_subtree);
      if (random_.uniform() < accept_prob) swap(z_propose, ws.z_propose_final);
    }

    ws.rho_subtree = ws.rho_init + ws.rho_final;
    rho += ws.rho_subtree;

    // Around the merged subtree, then across the seam between its halves.
    bool persist = no_u_turn(p_sharp_beg, p_sharp_end, ws.rho_subtree);
    if (persist) {
      ws.rho_extended = ws.rho_init + ws.p_final_beg;
      persist = no_u_turn(p_sharp_beg, ws.p_sharp_final_beg, ws.rho_extended);
    }
    if (persist) {
      ws.rho_extended = ws.rho_final + ws.p_init_end;
      persist = no_u_turn(ws.p_sharp_init_end, p_sharp_end, ws.rho_extended);
    }
    return persist;
  }

  const posterior_model& model_;
  chain_random& random_;
  Metric metric_;
  int max_depth_;
  Eigen::Index dim_;
  double nominal_stepsize_ = 1.0;
  bool divergent_ = false;
  // The chain's state between transitions (init_stepsize integrates it in place; during a
  // transition it is parked in z_sample_).
  phase_point z_;

  // Per-chain workspaces of transition() and build_tree().
  phase_point z_init_, z_fwd_, z_bck_, z_sample_, z_propose_;
  VectorXd p_fwd_fwd_, p_sharp_fwd_fwd_, p_fwd_bck_, p_sharp_fwd_bck_;
  VectorXd p_bck_fwd_, p_sharp_bck_fwd_, p_bck_bck_, p_sharp_bck_bck_;
  VectorXd rho_, rho_fwd_, rho_bck_, rho_extended_;
  VectorXd p_sharp_step_;                    // M⁻¹p inside leapfrog and hamiltonian
  std::vector<subtree_workspace> subtrees_;  // indexed by depth; [0] unused
  int reserved_depth_ = 0;
};

// Stan's services/util/initialize.hpp: U(−r, r) per coordinate (or the given init), retried
// until the log density and its gradient are finite.
VectorXd initial_point(const posterior_model& model, const nuts_config& config,
                       chain_random& random) {
  const std::size_t dim = model.dim();
  VectorXd q(static_cast<Eigen::Index>(dim));
  VectorXd gradient(static_cast<Eigen::Index>(dim));
  const auto finite_at = [&](const VectorXd& point, double* log_density) {
    *log_density = model.log_density(point.data(), gradient.data());
    return std::isfinite(*log_density) && gradient.allFinite();
  };

  double log_density = 0.0;
  if (!config.init.empty()) {
    for (std::size_t i = 0; i < dim; ++i) q[static_cast<Eigen::Index>(i)] = config.init[i];
    if (finite_at(q, &log_density)) return q;
    throw runtime_failure("NUTS: the given init is not a valid starting point of model '" +
                          model.name() + "': log density " + number_text(log_density) +
                          (std::isfinite(log_density) ? " with a non-finite gradient" : ""));
  }
  // With radius 0 every try is the same point: one is enough.
  const int tries = config.init_radius > 0.0 ? max_init_tries : 1;
  std::vector<double> u(dim);
  for (int attempt = 0; attempt < tries; ++attempt) {
    random.uniforms(u.data(), dim);
    for (std::size_t i = 0; i < dim; ++i) {
      q[static_cast<Eigen::Index>(i)] = config.init_radius * (2.0 * u[i] - 1.0);
    }
    if (finite_at(q, &log_density)) return q;
  }
  throw runtime_failure("NUTS: no finite initial point for model '" + model.name() + "' in " +
                        std::to_string(tries) + (tries == 1 ? " try" : " tries") +
                        " (uniform on (-" + number_text(config.init_radius) + ", " +
                        number_text(config.init_radius) +
                        ")): the log density or its gradient was never finite");
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

template <class Metric>
void run_chain(const posterior_model& model, const nuts_config& config, draw_writer& writer,
               const run_hooks& hooks) {
  const std::size_t dim = model.dim();
  chain_random random(config.seed, config.chain);
  const VectorXd q0 = initial_point(model, config, random);

  nuts_sampler<Metric> sampler(model, random, static_cast<int>(config.max_depth), Metric(dim));
  sampler.seed(q0);
  sampler.nominal_stepsize() = config.stepsize;

  std::vector<double> outputs(model.output_names().size());
  const auto report = [&](const nuts_draw& draw, std::size_t iteration, bool warmup) {
    if (iteration % config.thin != 0) return;
    model.write_outputs(sampler.position().data(), outputs.data());
    writer.draw(draw, outputs.data(), warmup);
  };

  hooks.begin("chain", config.warmup + config.draws);

  // Warmup: dual averaging of the step size every iteration, the metric at the end of each
  // slow window, then a fresh heuristic step size and a restarted averaging. As in Stan's
  // run_adaptive_sampler, the first heuristic step size is found before the clock starts.
  auto warmup_start = std::chrono::steady_clock::now();
  if (config.warmup > 0) {
    nuts_detail::stepsize_adaptation stepsize_adapt(config.adapt_delta, config.adapt_gamma,
                                                    config.adapt_kappa, config.adapt_t0);
    // μ = log(10 ε) with the configured ε, as Stan's services set it.
    stepsize_adapt.set_mu(std::log(10.0 * config.stepsize));
    typename Metric::adaptation metric_adapt(
        dim, nuts_detail::windowed_adaptation(config.warmup, config.init_buffer, config.term_buffer,
                                              config.window));
    sampler.init_stepsize();
    warmup_start = std::chrono::steady_clock::now();
    for (std::size_t m = 0; m < config.warmup; ++m) {
      hooks.check_interrupt();
      const nuts_draw draw = sampler.transition();
      stepsize_adapt.learn_stepsize(sampler.nominal_stepsize(), draw.accept_stat);
      if (sampler.metric().learn(metric_adapt, sampler.position())) {
        sampler.init_stepsize();
        stepsize_adapt.set_mu(std::log(10.0 * sampler.nominal_stepsize()));
        stepsize_adapt.restart();
      }
      if (config.save_warmup) report(draw, m, true);
      hooks.advance(1);
    }
    stepsize_adapt.complete_adaptation(sampler.nominal_stepsize());
    writer.adaptation(sampler.nominal_stepsize(), sampler.metric().inverse_values());
  }
  const double warmup_seconds = seconds_since(warmup_start);

  const auto sampling_start = std::chrono::steady_clock::now();
  for (std::size_t m = 0; m < config.draws; ++m) {
    hooks.check_interrupt();
    const nuts_draw draw = sampler.transition();
    report(draw, m, false);
    hooks.advance(1);
  }
  const double sampling_seconds = seconds_since(sampling_start);
  hooks.end();
  writer.timing(warmup_seconds, sampling_seconds);
}

}  // namespace

namespace {

// A bad setting, in the one wording of a bad value (numbers as number_text writes them).
template <class T>
[[noreturn]] void bad_setting(const std::string& field, const T& value,
                              const std::string& expected) {
  throw usage_error(bad_value("NUTS setting " + field, value, expected));
}

}  // namespace

void validate(const nuts_config& config) {
  if (config.thin < 1) bad_setting("thin", config.thin, "an integer >= 1");
  if (config.max_depth < 1 || config.max_depth > max_tree_depth_limit) {
    bad_setting("max_depth", config.max_depth,
                "an integer in [1, " + std::to_string(max_tree_depth_limit) + "]");
  }
  if (!(config.stepsize > 0.0) || !std::isfinite(config.stepsize)) {
    bad_setting("stepsize", config.stepsize, "a finite number > 0");
  }
  if (!(config.adapt_delta > 0.0 && config.adapt_delta < 1.0)) {
    bad_setting("adapt_delta", config.adapt_delta, "a number in (0, 1)");
  }
  if (!(config.adapt_gamma > 0.0) || !std::isfinite(config.adapt_gamma)) {
    bad_setting("adapt_gamma", config.adapt_gamma, "a finite number > 0");
  }
  if (!(config.adapt_kappa > 0.0) || !std::isfinite(config.adapt_kappa)) {
    bad_setting("adapt_kappa", config.adapt_kappa, "a finite number > 0");
  }
  if (!(config.adapt_t0 > 0.0) || !std::isfinite(config.adapt_t0)) {
    bad_setting("adapt_t0", config.adapt_t0, "a finite number > 0");
  }
  if (config.window < 1) bad_setting("window", config.window, "an integer >= 1");
  if (!(config.init_radius >= 0.0) || !std::isfinite(config.init_radius)) {
    bad_setting("init_radius", config.init_radius, "a finite number >= 0");
  }
  for (std::size_t i = 0; i < config.init.size(); ++i) {
    if (!std::isfinite(config.init[i])) {
      bad_setting("init[" + std::to_string(i) + "]", config.init[i], "a finite number");
    }
  }
}

void detail::validate_nuts(const posterior_model& model, const nuts_config& config) {
  const std::size_t dim = model.dim();
  if (dim == 0) {
    throw usage_error("NUTS: model '" + model.name() + "' has no parameters (dim = 0)");
  }
  // A draw's normals are one Philox simulation of the chain's stream (core/streams.hpp).
  if (dim > streams::max_normals_per_draw) {
    throw usage_error(bad_value("NUTS: the parameters of model '" + model.name() + "'", dim,
                                "at most " + std::to_string(streams::max_normals_per_draw) +
                                    " (the normals of one draw of a chain's random stream)"));
  }
  validate(config);
  if (!config.init.empty()) {
    if (config.init.size() != dim) {
      bad_setting("init", std::to_string(config.init.size()) + " values",
                  std::to_string(dim) + " (one per unconstrained parameter of model '" +
                      model.name() + "')");
    }
  }
}

void run_nuts(const posterior_model& model, const nuts_config& config, draw_writer& writer,
              const run_hooks& hooks) {
  detail::validate_nuts(model, config);
  detail::run_nuts_unchecked(model, config, writer, hooks);
}

void detail::run_nuts_unchecked(const posterior_model& model, const nuts_config& config,
                                draw_writer& writer, const run_hooks& hooks) {
  assert(detail::passes([&] { validate_nuts(model, config); }));
  switch (config.metric) {
    case metric_kind::diag:
      run_chain<diag_metric>(model, config, writer, hooks);
      return;
    case metric_kind::dense:
      run_chain<dense_metric>(model, config, writer, hooks);
      return;
  }
  throw usage_error("NUTS setting metric: unknown metric kind");
}

}  // namespace ismc
