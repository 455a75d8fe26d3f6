"""One worker of a 2-worker MultiWorkerMirroredStrategy run (TF_CONFIG is set by the caller).

    python multi_worker_run.py RUN_DIR IMAGES.npy STEPS [resume]
"""

import json
import sys

import numpy as np

import keras_gans

run_dir, images, steps = sys.argv[1], np.load(sys.argv[2]), int(sys.argv[3])
settings = dict(batch_size=8, generator_width=8, discriminator_width=8, latent_dim=8, seed=0, tensorboard=False,
                sample_every=0, checkpoint_every=2, jit_compile=False, verbose=0, distributed=True)
if len(sys.argv) > 4:
    result = keras_gans.fit(resume=run_dir, dataset=images, steps=steps, verbose=0)
else:
    result = keras_gans.fit("dcgan", dataset=images, steps=steps, run_dir=run_dir, **settings)
model = result.model
print(json.dumps({"replicas": int(model.distribute_strategy.num_replicas_in_sync),
                  "step": int(model.step.numpy()), "d_loss": float(result.history.history["d_loss"][-1]),
                  "run_dir": str(result.run_dir)}))
