"""A training run on disk: its config, its checkpoints, and what can be loaded back from it.

- `keras_gans.checkpoints.store`: `CheckpointStore` (atomic checkpoints, latest and best by FID)
  and the run's `config.yaml`.
- `keras_gans.checkpoints.load`: `load_run(RUN_DIR)` (GAN + config, for resume and export) and
  `load(RUN_DIR)` (a generator ready to sample).
- `keras_gans.checkpoints.evaluate`: the feature extractor and cached real statistics a run is
  scored with, and `evaluate_run(RUN_DIR)`.

(Not called `runs`: `.gitignore` ignores every `runs/` folder, where training output goes.)
The modules are imported by name, not from here: `fitting` needs only the store, and importing
`evaluate` would load the metrics' feature extractors with it. GANs are built by
`keras_gans.assembly`, which sits below both `fitting` and this package.
"""
