"""Dirac-GAN numerics against Mescheder et al. 2018's closed forms."""

import numpy as np
import pytest

from keras_gans.errors import ConfigError
from keras_gans.labs import dirac


@pytest.mark.parametrize("name, f0", [("gan", 0.5), ("ns_gan", 0.5), ("wgan", 1.0)])
def test_unregularized_eigenvalues_are_purely_imaginary(name, f0):
    values = dirac.eigenvalues(name)
    # Lemma 2.2: +-f'(0) i, with f'(0) = 1/2 for f(t) = -log(1 + exp(-t)) and 1 for f(t) = t.
    np.testing.assert_allclose(values, [-1j * f0, 1j * f0], atol=1e-8)
    np.testing.assert_allclose(values, dirac.analytic_eigenvalues(name), atol=1e-8)


@pytest.mark.parametrize("gamma", [0.3, 0.8, 3.0])
def test_r1_eigenvalues_match_the_paper(gamma):
    gan = dirac.DiracGAN("minimax", "r1", gamma=gamma)
    expected = -gamma / 2 + np.array([-1, 1]) * np.sqrt(complex(gamma**2 / 4 - 0.25))
    values = dirac.eigenvalues(gan)
    np.testing.assert_allclose(np.sort_complex(values), np.sort_complex(expected), atol=1e-7)
    np.testing.assert_allclose(values, dirac.analytic_eigenvalues(gan), atol=1e-7)
    assert np.all(values.real < 0)


def test_wgan_gp_has_no_jacobian_at_the_equilibrium():
    with pytest.raises(ConfigError, match="not differentiable"):
        dirac.eigenvalues("wgan_gp")
    assert dirac.analytic_eigenvalues("wgan_gp") is None


def test_simultaneous_gd_spirals_out_without_regularization_and_converges_with_r1():
    gan = dirac.simulate("gan", "simultaneous", steps=1000, lr=0.1)
    distance = dirac.distance_to_equilibrium(gan)
    assert distance[-1] > 1.5 * distance[0]
    # Outward spiral: the distance keeps growing, checked every 100 steps.
    assert np.all(np.diff(distance[::100]) > 0)
    # Near the equilibrium the update multiplies distances by |1 + lr i f'(0)| > 1.
    assert np.all(np.abs(dirac.update_eigenvalues("gan", lr=0.1)) > 1)

    r1 = dirac.simulate(dirac.DiracGAN("minimax", "r1", gamma=1.0), "simultaneous", steps=1000, lr=0.1)
    assert dirac.distance_to_equilibrium(r1)[-1] < 1e-3
    assert np.all(np.abs(dirac.update_eigenvalues(dirac.DiracGAN("minimax", "r1", gamma=1.0), lr=0.1)) < 1)


def test_alternating_gd_neither_converges_nor_escapes_without_regularization():
    distance = dirac.distance_to_equilibrium(dirac.simulate("wgan", "alternating", steps=2000, lr=0.05))
    # Alternating updates on the bilinear WGAN game are area-preserving: bounded oscillation.
    assert 0.5 * distance[0] < distance.min() and distance.max() < 2.0 * distance[0]


def test_weight_clipping_bounds_the_discriminator():
    traj = dirac.simulate("wgan", "simultaneous", steps=500, lr=0.1, start=(1.5, 0.0))
    assert np.max(np.abs(traj[:, 1])) <= 1.0 + 1e-12


def test_plot_and_report(tmp_path):
    path = dirac.plot_trajectories(path=str(tmp_path / "dirac.png"), steps=50)
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    text = dirac.report(steps=50)
    assert "gan_r1" in text and "undefined" in text


def test_unknown_setup_is_named():
    with pytest.raises(ConfigError, match="gan_r1"):
        dirac.simulate("gan_r2")
