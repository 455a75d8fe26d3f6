"""`keras-gans interpolate`, `keras-gans morph` and `keras-gans lab {modes,dirac}`.

Heavy imports happen inside the commands so `keras-gans --help` stays instant.
"""

from __future__ import annotations

import os


def _generator(run_dir):
    # One seam for "RUN_DIR -> generator": the export command's loader, which learns to read
    # training runs when checkpoints land.
    from keras_gans.exporting.run import load_source

    return load_source(run_dir)[0]


def _csv(text, cast=str):
    return [cast(item) for item in str(text).split(",") if item.strip()]


def _interpolate(args) -> int:
    import numpy as np

    from keras_gans.images import save_image_grid
    from keras_gans.labs import latent

    g = _generator(args.run_dir)
    if args.classes:
        rng = np.random.default_rng(args.seed)
        dim = latent.latent_dim_of(g)
        classes = _csv(args.classes, int)
        images = latent.interpolate_classes(
            g, rng.standard_normal(dim), rng.standard_normal(dim), classes, args.steps, args.method
        )
        rows = len(classes)
    else:
        images = latent.interpolation_grid(g, args.rows, args.steps, args.method, args.seed, args.label)
        rows = args.rows
    print(save_image_grid(images, args.out, rows=rows))
    return 0


def _morph(args) -> int:
    import numpy as np

    from keras_gans.images import load_image, save_image_grid
    from keras_gans.labs.inversion import morph
    from keras_gans.labs.latent import generate, latent_dim_of

    g = _generator(args.run_dir)
    _, h, w, c = generate(g, np.zeros((1, latent_dim_of(g)), np.float32), args.label).shape
    a, b = (load_image(path, h, w, c) for path in (args.image_a, args.image_b))
    frames, errors = morph(g, a, b, steps=args.steps, method=args.method, labels=args.label,
                           invert_steps=args.invert_steps, restarts=args.restarts, seed=args.seed)
    print(f"reconstruction error (MSE per pixel): {args.image_a} {errors[0]:.4f}, {args.image_b} {errors[1]:.4f}")
    print(save_image_grid(frames, args.out, rows=1))
    return 0


def _lab_modes(args) -> int:
    from keras_gans.labs import modes

    runs = modes.run_lab(_csv(args.recipe), args.distribution, steps=args.steps, snapshots=args.snapshots,
                         lr=args.lr, seed=args.seed)
    print(modes.format_report(runs))
    os.makedirs(args.out, exist_ok=True)
    print(modes.plot_lab(runs, args.distribution, os.path.join(args.out, f"modes_{args.distribution}.png")))
    return 0


def _lab_dirac(args) -> int:
    from keras_gans.labs import dirac

    setups = _csv(args.setups)
    print(dirac.report(setups, lr=args.lr, steps=args.steps))
    os.makedirs(args.out, exist_ok=True)
    print(dirac.plot_trajectories(setups, os.path.join(args.out, "dirac.png"), steps=args.steps, lr=args.lr))
    return 0


def register(subparsers) -> None:
    """Adds `interpolate`, `morph` and `lab` (with `lab modes`, `lab dirac`)."""
    p = subparsers.add_parser("interpolate", help="PNG grid of latent walks through a trained generator")
    p.add_argument("run_dir", help="training run folder (or a saved generator .keras file)")
    p.add_argument("--out", default="interpolation.png", help="PNG to write")
    p.add_argument("--rows", type=int, default=4, help="number of walks (one per row)")
    p.add_argument("--steps", type=int, default=8, help="frames per walk, endpoints included")
    p.add_argument("--method", choices=("slerp", "lerp"), default="slerp")
    p.add_argument("--label", type=int, default=None, help="class for a conditional generator")
    p.add_argument("--classes", default=None,
                   help="comma-separated classes: one row per class, same latent walk (conditional)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_interpolate)

    p = subparsers.add_parser("morph", help="invert two images and walk between their latents")
    p.add_argument("run_dir", help="training run folder (or a saved generator .keras file)")
    p.add_argument("image_a")
    p.add_argument("image_b")
    p.add_argument("--out", default="morph.png", help="PNG strip to write")
    p.add_argument("--steps", type=int, default=8, help="frames, endpoints included")
    p.add_argument("--method", choices=("slerp", "lerp"), default="slerp")
    p.add_argument("--invert-steps", type=int, default=300, help="optimizer steps of the inversion")
    p.add_argument("--restarts", type=int, default=4, help="random starts per image")
    p.add_argument("--label", type=int, default=None, help="class for a conditional generator")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_morph)

    lab = subparsers.add_parser("lab", help="small experiments that show how GAN training fails")
    labs = lab.add_subparsers(dest="lab", metavar="LAB")
    labs.required = True
    p = labs.add_parser("modes", help="mode collapse on 2-D Gaussian mixtures, per recipe")
    p.add_argument("--recipe", default="gan,wgan_gp,r1", help="comma-separated recipe names")
    p.add_argument("--distribution", choices=("ring", "grid"), default="ring")
    p.add_argument("--steps", type=int, default=2000, help="generator updates per recipe")
    p.add_argument("--snapshots", type=int, default=4, help="columns of the picture")
    p.add_argument("--lr", type=float, default=1e-3, help="shared learning rate of both players")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=".", help="folder for modes_<distribution>.png")
    p.set_defaults(func=_lab_modes)

    p = labs.add_parser("dirac", help="Dirac-GAN: eigenvalues and gradient-descent trajectories")
    p.add_argument("--setups", default="gan,ns_gan,wgan,wgan_gp,gan_r1", help="comma-separated setups")
    p.add_argument("--steps", type=int, default=500)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--out", default=".", help="folder for dirac.png")
    p.set_defaults(func=_lab_dirac)
