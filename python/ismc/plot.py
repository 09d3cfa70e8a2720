"""The figures of ismc's studies (matplotlib; every function returns the Figure).

    ismc.plot.rates(df)                    # estimate against θ with its confidence band
    ismc.plot.rates([plain, importance])   # several results overlaid, the exact curve
    ismc.plot.ess_gain(df)                 # ESS per simulation against θ
    ismc.plot.funnel(idata)                # log τ against θ_1, divergent draws marked
    ismc.plot.trace(idata), ismc.plot.pair(idata)
    ismc.plot.population(result)           # the seed-000 figure (corner-style)

From a shell: python3 -m ismc.plot FILE.csv [FILE.csv ...] -o FILE.png [--log]
(`ismc plot` runs the same).
"""

import argparse
import os
import sys

import matplotlib

if "matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND"):
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ._api import read_csv  # noqa: E402

_COLOURS = ["C0", "C1", "C2", "C3", "C4"]


def _frames(df):
    if isinstance(df, pd.DataFrame):
        return [df]
    return list(df)


def _label(frame, given, n):
    if given is not None:
        return given[n]
    if "method" in frame and len(frame):
        return str(frame["method"].iloc[0])
    return f"result {n + 1}"


def _theta_columns(frame):
    return [c for c in frame.columns if c.startswith("theta_")]


def rates(df, *, labels=None, log=False, exact=True, band=True, coords=(0, 1), ax=None,
          title=None):
    """The estimated rejection rate against θ.

    Args:
        df: a DataFrame of ismc.rates (or read from an `ismc rates --out` CSV), or a list of
            them to overlay (plain against importance sampling).
        labels: one legend label per frame; default each frame's `method`.
        log: a logarithmic rate axis (the tails: type I errors far below α).
        exact: draw the exact rate where the frames have it.
        band: draw each estimate's confidence interval (ci_low, ci_high) as a band.
        coords: for d > 1, the two θ coordinates of the heat map of the first frame's
            estimate (the others fixed at their first value, with a note).
        ax: draw into this Axes; default a new figure.
        title: the axes' title.

    Returns:
        matplotlib.figure.Figure. 1-D: one line per frame with markers, a band per frame,
        the exact curve dashed; d > 1: a pcolormesh with a colour bar.
    """
    frames = _frames(df)
    if not frames:
        raise ValueError("df: got no results, expected at least one DataFrame")
    thetas = _theta_columns(frames[0])
    if not thetas:
        raise ValueError("df: got no theta_0 column, expected the columns of ismc.rates")
    fig, ax = _figure(ax)
    if len(thetas) > 1:
        return _rates_heat_map(frames[0], thetas, coords, fig, ax, log, title)
    for n, frame in enumerate(frames):
        colour = _COLOURS[n % len(_COLOURS)]
        frame = frame.sort_values("theta_0")
        x = frame["theta_0"].to_numpy()
        label = _label(frame, labels, n)
        if band:
            low = frame["ci_low"].to_numpy()
            if log:
                low = np.where(low > 0, low, np.nan)
            ax.fill_between(x, low, frame["ci_high"].to_numpy(), color=colour, alpha=0.2,
                            linewidth=0)
        ax.plot(x, frame["estimate"].to_numpy(), marker="o", markersize=4, color=colour,
                label=label)
    if exact:
        with_exact = [f for f in frames if "exact" in f and f["exact"].notna().any()]
        if with_exact:
            frame = with_exact[0].sort_values("theta_0")
            ax.plot(frame["theta_0"], frame["exact"], linestyle="--", color="black",
                    linewidth=1, label="exact")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(r"$\theta$")
    ax.set_ylabel("rejection rate")
    ax.legend()
    if title:
        ax.set_title(title)
    return fig


def _figure(ax, size=(6.4, 4.0)):
    if ax is None:
        fig, ax = plt.subplots(figsize=size, layout="constrained")
        return fig, ax
    return ax.figure, ax


def _rates_heat_map(frame, thetas, coords, fig, ax, log, title):
    a, b = coords
    if not (0 <= a < len(thetas) and 0 <= b < len(thetas)) or a == b:
        raise ValueError(f"coords: got {coords!r}, expected two different coordinates in "
                         f"[0, {len(thetas)})")
    keep = np.ones(len(frame), dtype=bool)
    fixed = []
    for n, column in enumerate(thetas):
        if n not in (a, b):
            value = frame[column].iloc[0]
            keep &= frame[column].to_numpy() == value
            fixed.append(f"{column} = {value:g}")
    sub = frame[keep]
    table = sub.pivot_table(index=thetas[b], columns=thetas[a], values="estimate")
    norm = None
    if log:
        from matplotlib.colors import LogNorm

        positive = table.to_numpy()[table.to_numpy() > 0]
        norm = LogNorm(vmin=positive.min(), vmax=positive.max()) if positive.size else None
    mesh = ax.pcolormesh(table.columns.to_numpy(), table.index.to_numpy(), table.to_numpy(),
                         shading="nearest", norm=norm, cmap="viridis")
    fig.colorbar(mesh, ax=ax, label="estimated rejection rate")
    ax.set_xlabel(rf"$\theta_{a}$")
    ax.set_ylabel(rf"$\theta_{b}$")
    ax.set_title(title or (", ".join(fixed) if fixed else "estimate"))
    return fig


def ess_gain(df, *, labels=None, ax=None, log=True):
    """Effective sample size per simulation against θ (1-D), one line per frame with
    ess_per_sim; a horizontal line at 1 (plain Monte Carlo's)."""
    frames = [f for f in _frames(df) if "ess_per_sim" in f]
    if not frames:
        raise ValueError("df: got no ess_per_sim column, expected an importance-sampling result")
    fig, ax = _figure(ax)
    for n, frame in enumerate(frames):
        frame = frame.sort_values("theta_0")
        ax.plot(frame["theta_0"], frame["ess_per_sim"], marker="o", markersize=4,
                color=_COLOURS[n % len(_COLOURS)], label=_label(frame, labels, n))
    ax.axhline(1.0, color="grey", linestyle=":", linewidth=1, label="plain Monte Carlo")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(r"$\theta$")
    ax.set_ylabel("ESS per simulation")
    ax.legend()
    return fig


def _posterior_array(idata, name):
    return np.asarray(idata.posterior[name].transpose("chain", "draw", ...).values)


def funnel(idata, *, theta="theta", tau="tau", index=0, ax=None, title=None):
    """log τ against θ_1 (`theta[..., index]`), divergent draws marked in red: the
    eight-schools funnel of the centered/non-centered comparison."""
    fig, ax = _figure(ax, size=(5.0, 4.0))
    x = _posterior_array(idata, theta)[..., index].ravel()
    y = np.log(_posterior_array(idata, tau).ravel())
    diverging = np.zeros_like(x, dtype=bool)
    if hasattr(idata, "sample_stats") and "diverging" in idata.sample_stats:
        diverging = np.asarray(idata.sample_stats["diverging"].values, dtype=bool).ravel()
    ax.scatter(x[~diverging], y[~diverging], s=4, alpha=0.4, color="C0", label="draws")
    ax.scatter(x[diverging], y[diverging], s=10, color="red",
               label=f"divergent ({int(diverging.sum())})")
    ax.set_xlabel(rf"$\{theta}_{{{index + 1}}}$" if theta == "theta" else f"{theta}[{index}]")
    ax.set_ylabel(r"$\log\tau$")
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title)
    return fig


def _scalar_columns(idata, var_names):
    from ._api import _stan_names

    names = var_names or list(idata.posterior.data_vars)
    columns = []
    for name in names:
        columns.extend(_stan_names(name, _posterior_array(idata, name)))
    return columns


def trace(idata, var_names=None):
    """One row per scalar (vectors as theta.1 …): the chains' traces and their densities
    (histograms per chain)."""
    columns = _scalar_columns(idata, var_names)
    fig, axes = plt.subplots(len(columns), 2, figsize=(8.0, 1.6 * len(columns)), squeeze=False,
                             layout="constrained")
    for row, (name, values) in enumerate(columns):
        for c in range(values.shape[0]):
            colour = _COLOURS[c % len(_COLOURS)]
            axes[row, 0].hist(values[c], bins=40, histtype="step", density=True, color=colour)
            axes[row, 1].plot(values[c], linewidth=0.5, color=colour)
        axes[row, 0].set_ylabel(name)
    axes[-1, 0].set_xlabel("value")
    axes[-1, 1].set_xlabel("draw")
    return fig


def pair(idata, var_names=None, *, bins=40):
    """A corner plot of the scalars: histograms on the diagonal, draws below it."""
    columns = _scalar_columns(idata, var_names)
    k = len(columns)
    fig, axes = plt.subplots(k, k, figsize=(1.8 * k + 1, 1.8 * k + 1), squeeze=False,
                             layout="constrained")
    for i, (name_i, values_i) in enumerate(columns):
        for j, (name_j, values_j) in enumerate(columns):
            ax = axes[i, j]
            if j > i:
                ax.set_axis_off()
            elif i == j:
                ax.hist(values_i.ravel(), bins=bins, histtype="step", color="C0")
                ax.set_yticks([])
            else:
                ax.scatter(values_j.ravel(), values_i.ravel(), s=1, alpha=0.3, color="C0")
            if i == k - 1:
                ax.set_xlabel(name_j)
            if j == 0 and i > 0:
                ax.set_ylabel(name_i)
    return fig


def _exact_grid(x, alpha, mu_range, sigma_range, points=121):
    """The exact posterior of (θ_μ, θ_σ) on a grid: flat priors, x_i ~ N(θ_μ, θ_σ² + α²)."""
    mu = np.linspace(*mu_range, points)
    sigma = np.linspace(*sigma_range, points)
    m, s = np.meshgrid(mu, sigma)
    variance = s[..., None] ** 2 + alpha**2
    log_p = -0.5 * np.sum((x - m[..., None]) ** 2 / variance + np.log(variance), axis=-1)
    density = np.exp(log_p - log_p.max())
    return mu, sigma, density


def population(result, *, bins=40):
    """The seed-000 figure: each method's posterior of (θ_μ, θ_σ) (corner-style: the
    marginals on the diagonal, the joint draws below) against the exact posterior (black
    contours, grid quadrature of the flat-prior posterior from x and α) and the truth
    (a cross) where known."""
    names = list(result.methods)
    fig, axes = plt.subplots(2, 2, figsize=(7.0, 6.0), layout="constrained")
    draws = {n: (_posterior_array(result.methods[n], "theta_mu").ravel(),
                 _posterior_array(result.methods[n], "theta_sigma").ravel()) for n in names}
    all_mu = np.concatenate([d[0] for d in draws.values()])
    all_sigma = np.concatenate([d[1] for d in draws.values()])
    mu_range = (np.quantile(all_mu, 0.001), np.quantile(all_mu, 0.999))
    sigma_range = (np.quantile(all_sigma, 0.001), np.quantile(all_sigma, 0.999))
    pad_mu = 0.15 * (mu_range[1] - mu_range[0])
    pad_sigma = 0.15 * (sigma_range[1] - sigma_range[0])
    mu_range = (mu_range[0] - pad_mu, mu_range[1] + pad_mu)
    sigma_range = (max(sigma_range[0] - pad_sigma, 1e-6), sigma_range[1] + pad_sigma)
    for n, name in enumerate(names):
        colour = _COLOURS[n % len(_COLOURS)]
        mu, sigma = draws[name]
        axes[0, 0].hist(mu, bins=bins, range=mu_range, density=True, histtype="step",
                        color=colour, label=name)
        axes[1, 1].hist(sigma, bins=bins, range=sigma_range, density=True, histtype="step",
                        color=colour)
        axes[1, 0].scatter(mu, sigma, s=1, alpha=0.15, color=colour)
    if result.x is not None and len(result.x) and result.alpha is not None:
        grid_mu, grid_sigma, density = _exact_grid(np.asarray(result.x), result.alpha, mu_range,
                                                   sigma_range)
        levels = density.max() * np.exp(-0.5 * np.array([4.0, 1.0]))  # 2σ and 1σ contours
        axes[1, 0].contour(grid_mu, grid_sigma, density, levels=levels, colors="black",
                           linewidths=1)
        marginal_mu = density.sum(axis=0)
        marginal_sigma = density.sum(axis=1)
        axes[0, 0].plot(grid_mu, marginal_mu / np.trapezoid(marginal_mu, grid_mu), color="black",
                        linestyle="--", linewidth=1, label="exact")
        axes[1, 1].plot(grid_sigma, marginal_sigma / np.trapezoid(marginal_sigma, grid_sigma),
                        color="black", linestyle="--", linewidth=1)
    if result.truth is not None:
        axes[1, 0].plot(*result.truth, marker="x", color="red", markersize=10, mew=2,
                        linestyle="none", label="truth")
        axes[0, 0].axvline(result.truth[0], color="red", linewidth=1)
        axes[1, 1].axvline(result.truth[1], color="red", linewidth=1)
    axes[0, 1].set_axis_off()
    handles, labels = axes[0, 0].get_legend_handles_labels()
    if result.truth is not None:
        handles.append(axes[1, 0].lines[-1])
        labels.append("truth")
    axes[0, 1].legend(handles, labels, loc="center")
    axes[1, 0].set_xlim(mu_range)
    axes[1, 0].set_ylim(sigma_range)
    axes[0, 0].set_xlim(mu_range)
    axes[1, 1].set_xlim(sigma_range)
    axes[1, 0].set_xlabel(r"$\theta_\mu$")
    axes[1, 0].set_ylabel(r"$\theta_\sigma$")
    axes[1, 1].set_xlabel(r"$\theta_\sigma$")
    axes[0, 0].set_yticks([])
    axes[1, 1].set_yticks([])
    return fig


def main(argv=None):
    """`python3 -m ismc.plot FILE.csv [FILE.csv ...] -o FILE.png`: the rate figure of
    results CSVs (`ismc rates --out`), overlaid. Exit 2 on bad usage or a bad file."""
    parser = argparse.ArgumentParser(
        prog="python3 -m ismc.plot",
        description="Draw the rejection-rate figure of `ismc rates --out` CSV files.")
    parser.add_argument("files", nargs="+", metavar="FILE.csv")
    parser.add_argument("-o", "--out", required=True, metavar="FILE.png",
                        help="the image to write (its suffix picks the format)")
    parser.add_argument("--log", action="store_true", help="logarithmic rate axis")
    parser.add_argument("--title", default=None)
    parser.add_argument("--coords", type=int, nargs=2, default=(0, 1), metavar=("A", "B"),
                        help="the two coordinates of the heat map for d > 1")
    args = parser.parse_args(argv)
    frames = []
    for path in args.files:
        try:
            frame = read_csv(path)
        except (OSError, pd.errors.ParserError, UnicodeDecodeError) as e:
            print(f"ismc plot: error: {path}: {e}", file=sys.stderr)
            return 2
        missing = [c for c in ("theta_0", "estimate", "ci_low", "ci_high") if c not in frame]
        if missing:
            print(f"ismc plot: error: {path}: got no column {missing[0]}, expected the CSV of "
                  "`ismc rates --out`", file=sys.stderr)
            return 2
        frames.append(frame)
    try:
        fig = rates(frames, log=args.log, title=args.title, coords=tuple(args.coords))
    except ValueError as e:
        print(f"ismc plot: error: {e}", file=sys.stderr)
        return 2
    directory = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(directory):
        print(f"ismc plot: error: -o: directory '{directory}' does not exist", file=sys.stderr)
        return 2
    # Written whole or not at all, as every ismc output.
    base, suffix = os.path.splitext(args.out)
    temporary = f"{args.out}.tmp.{os.getpid()}{suffix}"
    try:
        fig.savefig(temporary, dpi=100)
        os.replace(temporary, args.out)
    except (OSError, ValueError) as e:
        if os.path.exists(temporary):
            os.remove(temporary)
        print(f"ismc plot: error: {args.out}: {e}", file=sys.stderr)
        return 2 if isinstance(e, ValueError) else 1
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
