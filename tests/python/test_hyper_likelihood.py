"""ismc.HyperLikelihood: against the formula in NumPy, no copies, bad input, and emcee driven
by it against a 2-D quadrature of the same L̂."""

import threading

import numpy as np
import pytest

import ismc


def reference(samples, thetas, log_p0=None):
    """ln L̂ and σ² of docs/spec/samplers.md, per object by logsumexp, in long double."""
    out = []
    for mu, sigma in thetas:
        log_l = variance = 0.0
        for i, s in enumerate(samples):
            s = np.asarray(s, dtype=np.longdouble)
            log_w = -0.5 * ((s - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi)
            if log_p0 is not None:
                log_w = log_w - np.asarray(log_p0[i], dtype=np.longdouble)
            top = log_w.max()
            w = np.exp(log_w - top)
            log_l += float(top + np.log(w.sum() / len(s)))
            ess = float(w.sum() ** 2 / (w**2).sum())
            variance += 1.0 / ess - 1.0 / len(s)
        out.append((log_l, variance))
    return np.array(out)


@pytest.fixture(scope="module")
def samples():
    rng = np.random.default_rng(2024)
    x = rng.normal(0.3, np.sqrt(1.2**2 + 1.0), size=40)
    return x[:, None] + rng.normal(size=(40, 300))


THETAS = np.array([[0.0, 1.0], [0.3, 1.2], [-1.0, 0.4], [2.0, 3.0], [0.5, -1.0]])


def test_equals_the_formula(samples):
    log_l, variance = ismc.HyperLikelihood(samples)(THETAS)
    expected = reference(samples, THETAS[:4])
    np.testing.assert_allclose(log_l[:4], expected[:, 0], rtol=1e-12)
    np.testing.assert_allclose(variance[:4], expected[:, 1], rtol=1e-9, atol=1e-15)
    assert log_l[4] == -np.inf and variance[4] == np.inf  # θ_σ ≤ 0


def test_one_theta_gives_floats_and_agrees_with_the_batch(samples):
    hl = ismc.HyperLikelihood(samples)
    batch = hl(THETAS)
    for b, theta in enumerate(THETAS):
        log_l, variance = hl(theta)
        assert isinstance(log_l, float)
        assert log_l == batch[0][b] and variance == batch[1][b]  # bit-identical in any batch
    assert hl([[0.0, 1.0]])[0][0] == batch[0][0]  # a list is converted


def test_log_p0_and_ragged_samples(samples):
    rng = np.random.default_rng(5)
    log_p0 = rng.normal(scale=0.1, size=samples.shape)
    got = ismc.HyperLikelihood(samples, log_p0)(THETAS[:3])
    expected = reference(samples, THETAS[:3], log_p0)
    np.testing.assert_allclose(got[0], expected[:, 0], rtol=1e-12)
    # Ragged: object i keeps its first 50 + 5 i samples.
    kept = [samples[i, : 50 + 5 * i] for i in range(len(samples))]
    values = np.concatenate(kept)
    index = np.repeat(np.arange(len(kept)), [len(k) for k in kept])
    got = ismc.HyperLikelihood(values, object_index=index)(THETAS[:3])
    np.testing.assert_allclose(got[0], reference(kept, THETAS[:3])[:, 0], rtol=1e-12)


def test_no_copy_and_a_reference_kept():
    arr = np.random.default_rng(1).normal(size=(10, 10))
    hl = ismc.HyperLikelihood(arr)
    assert hl.samples is arr and np.shares_memory(hl.values, arr)
    before = hl(np.array([[0.0, 1.0]]))
    del arr
    assert hl(np.array([[0.0, 1.0]]))[0][0] == before[0][0]
    fortran = np.asfortranarray(np.random.default_rng(1).normal(size=(10, 10)))
    assert not np.shares_memory(ismc.HyperLikelihood(fortran).samples, fortran)  # converted


def test_variance_cut(samples):
    hl = ismc.HyperLikelihood(samples)
    log_l, variance = hl(THETAS[:4])
    cut = float(np.median(variance))
    cut_log_l, cut_variance = ismc.HyperLikelihood(samples, variance_cut=cut)(THETAS[:4])
    np.testing.assert_array_equal(cut_variance, variance)
    np.testing.assert_array_equal(cut_log_l, np.where(variance > cut, -np.inf, log_l))


def _has_avx512dq():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return any(line.startswith("flags") and "avx512dq" in line.split()
                       for line in cpuinfo)
    except OSError:
        return False


def test_mixed_precision_stays_within_its_bound_of_double(samples):
    # 16 θ: two full groups of eight lanes for the AVX-512 loops.
    rng = np.random.default_rng(11)
    thetas = np.column_stack([rng.uniform(-1.0, 1.0, 16), rng.uniform(0.5, 2.0, 16)])
    exact, _ = ismc.HyperLikelihood(samples)(thetas)
    mixed, _ = ismc.HyperLikelihood(samples, precision="mixed")(thetas)
    # The stated bound: |Δ ln L̂| ≤ 1.2e-9 per object (hyper_likelihood.hpp).
    bound = 1.2e-9 * samples.shape[0]
    assert np.all(np.abs(mixed - exact) <= bound), np.max(np.abs(mixed - exact))
    if _has_avx512dq():  # elsewhere "mixed" computes in double
        assert np.any(mixed != exact), "precision='mixed' was not used"


def test_bad_input():
    good = np.zeros((3, 4))
    bad = good.copy()
    bad[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"field 'samples': object 1, sample 2: got nan, "
                                         r"expected a finite value"):
        ismc.HyperLikelihood(bad)
    with pytest.raises(ValueError, match=r"samples: got an array of shape \(4,\)"):
        ismc.HyperLikelihood(np.zeros(4))
    with pytest.raises(ValueError, match=r"log_p0: got shape \(3, 3\)"):
        ismc.HyperLikelihood(good, np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"variance_cut: got 0, expected a value > 0"):
        ismc.HyperLikelihood(good, variance_cut=0.0)
    with pytest.raises(ValueError, match=r"object_index: got indices that do not rise"):
        ismc.HyperLikelihood(np.zeros(4), object_index=[0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"object 1: got no samples"):
        ismc.HyperLikelihood(np.zeros(4), object_index=[0, 0, 2, 2])
    with pytest.raises(ValueError, match=r'precision: got single, expected "double" or "mixed"'):
        ismc.HyperLikelihood(np.ones((2, 3)), precision="single")
    with pytest.raises(ValueError, match=r"backend: got 'gpu'"):
        ismc.HyperLikelihood(good, backend="gpu")
    with pytest.raises(ValueError, match=r"theta: got shape \(2, 3\), expected \(m, 2\)"):
        ismc.HyperLikelihood(good)(np.zeros((2, 3)))
    with pytest.raises(RuntimeError, match="cuda"):
        ismc.HyperLikelihood(good, backend="cuda")


def test_the_gil_is_released(samples):
    # Two threads calling at once finish with the same values as one after the other.
    hl = ismc.HyperLikelihood(np.tile(samples, (1, 20)))
    thetas = np.column_stack([np.linspace(-1, 1, 64), np.linspace(0.5, 2, 64)])
    expected = hl(thetas)
    results = [None, None]

    def work(k):
        results[k] = hl(thetas)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r[0], expected[0])


def test_emcee_on_the_hyper_likelihood_agrees_with_quadrature():
    emcee = pytest.importorskip("emcee")
    rng = np.random.default_rng(7)
    objects, per_object, alpha = 30, 400, 1.0
    mu = rng.normal(0.0, 1.0, objects)
    x = mu + alpha * rng.normal(size=objects)
    samples = x[:, None] + alpha * rng.normal(size=(objects, per_object))
    hl = ismc.HyperLikelihood(samples)

    def log_prob(thetas):  # flat priors θ_μ ∈ (−5, 5), θ_σ ∈ (0, 2), as the population study
        log_l, _ = hl(np.ascontiguousarray(thetas))
        inside = (np.abs(thetas[:, 0]) < 5) & (thetas[:, 1] > 0) & (thetas[:, 1] < 2)
        return np.where(inside, log_l, -np.inf)

    # The same L̂ on a grid: the posterior's mean by 2-D quadrature.
    grid_mu = np.linspace(-2.5, 2.5, 201)
    grid_sigma = np.linspace(0.0025, 1.9975, 400)
    m, s = np.meshgrid(grid_mu, grid_sigma)
    log_post = log_prob(np.column_stack([m.ravel(), s.ravel()])).reshape(m.shape)
    weight = np.exp(log_post - log_post.max())
    weight /= weight.sum()
    exact = np.array([(weight * m).sum(), (weight * s).sum()])
    # θ_σ: midpoints of the prior's whole support (0, 2); θ_μ: the grid's edges hold nothing.
    assert weight[:, [0, -1]].sum() < 1e-6

    walkers = 32
    start = np.column_stack([rng.normal(x.mean(), 0.05, walkers),
                             rng.uniform(0.8, 1.2, walkers)])
    np.random.seed(3)
    sampler = emcee.EnsembleSampler(walkers, 2, log_prob, vectorize=True)
    sampler.run_mcmc(start, 3000, progress=False)
    chain = sampler.get_chain(discard=500)
    tau = emcee.autocorr.integrated_time(chain, quiet=True)
    draws = chain.reshape(-1, 2)
    ess = draws.shape[0] / tau
    mean = draws.mean(axis=0)
    se = draws.std(axis=0) / np.sqrt(ess)
    z = (mean - exact) / se
    assert np.all(np.abs(z) < 4), (mean, exact, se)
