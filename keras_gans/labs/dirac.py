"""The Dirac-GAN numerics lab (Mescheder, Geiger, Nowozin 2018, "Which Training Methods for
GANs do actually Converge?", section 2).

Data is a point mass at 0, the generator a point mass at theta, the discriminator linear,
D_psi(x) = psi * x (a logit: positive means "real"). Every setup is written as
L(theta, psi) = f(D(real)) + f(-D(fake)) = f(0) + f(-psi * theta), which the discriminator
maximizes, with f(t) = -log(1 + exp(-t)) for the GAN objectives and f(t) = t for WGAN.
The gradient vector field v = (-dL_G/dtheta, dL_D/dpsi) drives both players; the unique
equilibrium is (0, 0), and the eigenvalues of the Jacobian of v there decide local convergence
of gradient descent: all real parts negative -> converges for small enough steps; purely
imaginary -> simultaneous steps spiral outwards (eigenvalues of I + h J have modulus > 1).
The paper's formulas, which `analytic_eigenvalues` returns and the tests check against:
unregularized GAN / non-saturating GAN / WGAN: +-f'(0) i (Lemma 2.2; f'(0) = 1/2 for the GAN,
1 for WGAN); R1 with weight gamma: -gamma/2 +- sqrt(gamma^2/4 - f'(0)^2) (section 4.1).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from keras_gans.errors import ConfigError, check_choice

OBJECTIVES = ("minimax", "non_saturating", "wgan")
REGULARIZERS = (None, "r1", "gradient_penalty")
METHODS = ("simultaneous", "alternating")


def _sigmoid(t):
    return 0.5 * (1.0 + np.tanh(0.5 * t))  # overflow-free logistic function


@dataclasses.dataclass(frozen=True)
class DiracGAN:
    """One Dirac-GAN training setup: objective, regularizer and their constants.

    Args:
        objective: "minimax" (the original GAN), "non_saturating" (generator maximizes
            log D(G(z))) or "wgan" (f(t) = t).
        regularizer: None, "r1" (gamma/2 * |grad_x D(real)|^2 = gamma/2 psi^2) or
            "gradient_penalty" (WGAN-GP: gamma/2 * (|grad_x D| - g0)^2 = gamma/2 (|psi| - g0)^2).
        gamma: regularization weight.
        g0: target gradient norm of the WGAN-GP penalty (1 in Gulrajani et al. 2017).
        clip: if set, the discriminator weight is clipped to [-clip, clip] after each of its
            updates (the original WGAN's weight clipping).
        d_steps: discriminator updates per generator update in alternating descent.
    """

    objective: str = "minimax"
    regularizer: str | None = None
    gamma: float = 1.0
    g0: float = 1.0
    clip: float | None = None
    d_steps: int = 1

    def __post_init__(self):
        check_choice("Dirac-GAN objective", self.objective, OBJECTIVES, ConfigError)
        if self.regularizer not in REGULARIZERS:
            check_choice("Dirac-GAN regularizer", str(self.regularizer), ("r1", "gradient_penalty"), ConfigError)

    def fprime(self, t):
        """f'(t): exp(-t)/(1+exp(-t)) = sigmoid(-t) for the GAN objectives, 1 for WGAN."""
        return np.ones_like(t) if self.objective == "wgan" else _sigmoid(-t)

    def generator_velocity(self, theta, psi):
        """-d(generator loss)/d theta."""
        if self.objective == "non_saturating":
            # Generator maximizes f(D(G)) = f(psi theta) instead of minimizing f(-psi theta).
            return psi * self.fprime(psi * theta)
        return psi * self.fprime(-psi * theta)

    def discriminator_velocity(self, theta, psi):
        """+d(discriminator objective)/d psi, penalties included."""
        v = -theta * self.fprime(-psi * theta)
        if self.regularizer == "r1":
            v = v - self.gamma * psi
        elif self.regularizer == "gradient_penalty":
            v = v - self.gamma * (np.abs(psi) - self.g0) * np.sign(psi)
        return v

    def vector_field(self, point):
        theta, psi = point
        return np.array([self.generator_velocity(theta, psi), self.discriminator_velocity(theta, psi)])

    def _clip(self, psi):
        return psi if self.clip is None else float(np.clip(psi, -self.clip, self.clip))


PRESETS = {
    "gan": DiracGAN("minimax"),
    "ns_gan": DiracGAN("non_saturating"),
    "wgan": DiracGAN("wgan", clip=1.0),
    "wgan_gp": DiracGAN("wgan", "gradient_penalty", gamma=1.0),
    "gan_r1": DiracGAN("minimax", "r1", gamma=1.0),
}


def setup(name_or_setup) -> DiracGAN:
    if isinstance(name_or_setup, DiracGAN):
        return name_or_setup
    return PRESETS[check_choice("Dirac-GAN setup", name_or_setup, PRESETS, ConfigError)]


def simulate(name_or_setup, method="simultaneous", steps=500, lr=0.1, start=(1.0, 1.0)) -> np.ndarray:
    """Gradient descent on the Dirac-GAN: returns the trajectory [steps + 1, 2] of (theta, psi).

    "simultaneous" moves both players from the same point; "alternating" does `d_steps`
    discriminator updates, then one generator update that already sees the new psi.
    """
    gan = setup(name_or_setup)
    check_choice("descent method", method, METHODS, ConfigError)
    theta, psi = map(float, start)
    out = [(theta, psi)]
    for _ in range(int(steps)):
        if method == "simultaneous":
            dtheta, dpsi = gan.generator_velocity(theta, psi), gan.discriminator_velocity(theta, psi)
            theta, psi = theta + lr * dtheta, gan._clip(psi + lr * dpsi)
        else:
            for _ in range(gan.d_steps):
                psi = gan._clip(psi + lr * gan.discriminator_velocity(theta, psi))
            theta = theta + lr * gan.generator_velocity(theta, psi)
        out.append((theta, psi))
    return np.asarray(out)


def jacobian(name_or_setup, point=(0.0, 0.0), eps=1e-6) -> np.ndarray:
    """Central finite-difference Jacobian of the gradient vector field at `point` (2 x 2).

    Error O(eps^2) for smooth fields. WGAN-GP's field is not differentiable at psi = 0 (|psi|
    has a kink), so its "Jacobian" at the equilibrium does not exist; this raises there.
    """
    gan = setup(name_or_setup)
    if gan.regularizer == "gradient_penalty" and abs(point[1]) < eps:
        raise ConfigError(
            "The WGAN-GP vector field is not differentiable at psi = 0: the penalty "
            "(|psi| - g0)^2 has a kink there, so the equilibrium has no Jacobian."
        )
    point = np.asarray(point, np.float64)
    columns = []
    for i in range(2):
        step = np.zeros(2)
        step[i] = eps
        columns.append((gan.vector_field(point + step) - gan.vector_field(point - step)) / (2 * eps))
    return np.stack(columns, axis=1)


def eigenvalues(name_or_setup) -> np.ndarray:
    """Eigenvalues of the numerical Jacobian at the equilibrium (0, 0), sorted by imaginary part."""
    values = np.linalg.eigvals(jacobian(name_or_setup))
    return values[np.lexsort((values.real, values.imag))]


def analytic_eigenvalues(name_or_setup) -> np.ndarray | None:
    """The paper's closed forms at (0, 0); None for WGAN-GP (no Jacobian there)."""
    gan = setup(name_or_setup)
    f0 = 1.0 if gan.objective == "wgan" else 0.5
    if gan.regularizer == "gradient_penalty":
        return None
    if gan.regularizer == "r1":
        root = np.sqrt(complex(gan.gamma**2 / 4 - f0**2))
        values = np.array([-gan.gamma / 2 - root, -gan.gamma / 2 + root])
    else:
        values = np.array([-1j * f0, 1j * f0])
    return values[np.lexsort((values.real, values.imag))]


def update_eigenvalues(name_or_setup, lr=0.1) -> np.ndarray:
    """Eigenvalues of the simultaneous-GD update x -> x + lr v(x) at (0, 0): 1 + lr * lambda.

    Moduli above 1 mean the iterates move away from the equilibrium (Mescheder et al. 2017,
    "The Numerics of GANs", Prop. 3); purely imaginary lambda gives sqrt(1 + lr^2 |lambda|^2).
    """
    return 1.0 + lr * eigenvalues(name_or_setup)


def distance_to_equilibrium(trajectory) -> np.ndarray:
    return np.linalg.norm(np.asarray(trajectory), axis=-1)


def plot_trajectories(names=tuple(PRESETS), path="dirac.png", steps=500, lr=0.1, start=(1.0, 1.0)) -> str:
    """Rows: simultaneous / alternating descent; columns: setups. Gray arrows are the vector
    field, the colored line the iterates, the star the equilibrium. Writes a PNG, returns path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(names)
    fig, axes = plt.subplots(2, len(names), figsize=(3.0 * len(names), 6.0), squeeze=False)
    grid = np.linspace(-2.0, 2.0, 15)
    tt, pp = np.meshgrid(grid, grid)
    for col, name in enumerate(names):
        gan = setup(name)
        u, v = gan.generator_velocity(tt, pp), gan.discriminator_velocity(tt, pp)
        for row, method in enumerate(METHODS):
            ax = axes[row, col]
            ax.quiver(tt, pp, u, v, color="0.75", angles="xy")
            traj = simulate(gan, method, steps, lr, start)
            ax.plot(traj[:, 0], traj[:, 1], lw=1.2, color="tab:blue")
            ax.plot(*traj[0], "o", color="tab:green", ms=4)
            ax.plot(0, 0, "*", color="tab:red", ms=10)
            ax.set_xlim(-2, 2)
            ax.set_ylim(-2, 2)
            ax.set_title(f"{name} ({method})", fontsize=9)
            ax.set_xlabel("theta (generator)")
            if col == 0:
                ax.set_ylabel("psi (discriminator)")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def report(names=tuple(PRESETS), lr=0.1, steps=500) -> str:
    """A text table: eigenvalues at the equilibrium, analytic ones, final distances."""
    lines = [f"{'setup':10s} {'eigenvalues (numeric)':32s} {'analytic':32s} {'|x_T| sim':>10s} {'|x_T| alt':>10s}"]
    for name in names:
        try:
            numeric = np.array2string(eigenvalues(name), precision=3)
        except ConfigError:
            numeric = "undefined (kink at psi=0)"
        analytic = analytic_eigenvalues(name)
        analytic = "undefined" if analytic is None else np.array2string(analytic, precision=3)
        sim = distance_to_equilibrium(simulate(name, "simultaneous", steps, lr))[-1]
        alt = distance_to_equilibrium(simulate(name, "alternating", steps, lr))[-1]
        lines.append(f"{name:10s} {numeric:32s} {analytic:32s} {sim:10.3f} {alt:10.3f}")
    return "\n".join(lines)
