"""A history of generated images: Shrivastava et al. 2017, "Learning from Simulated and
Unsupervised Images through Adversarial Training" (section 2.3); CycleGAN keeps 50."""

from __future__ import annotations

import keras
from keras import ops


class HistoryBuffer(keras.layers.Layer):
    """Shows the discriminator a mix of current and earlier fakes.

    A discriminator that only sees the newest fakes forgets the artifacts it has already learned
    to reject, and the generator can reintroduce them. Until the buffer is full every fake is
    stored and passed through; after that each fake is, with probability 1/2, swapped for a random
    stored one, which it then replaces (the CycleGAN implementation of the paper's idea).

    Whatever conditions a fake (its labels, codes or source image) travels with it: `swap` takes
    and returns a whole structure, and every tensor in it is swapped by the same draw.

    Args:
        size:    fakes kept (50 in CycleGAN).
        example: a structure like the ones `swap` receives, batch size 1, to shape the storage.
    """

    def __init__(self, size, example, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)
        leaves = [leaf for leaf in keras.tree.flatten(example) if leaf is not None]
        self.storage = [
            self.add_weight(shape=(self.size, *leaf.shape[1:]), dtype=leaf.dtype, initializer="zeros",
                            trainable=False, name=f"history_{index}")
            for index, leaf in enumerate(leaves)
        ]
        self.count = self.add_weight(shape=(), dtype="int32", initializer="zeros", trainable=False, name="count")
        # Its state is complete here; `swap`, not `call`, is how it is used.
        self.built = True

    def swap(self, structure, seed_generator):
        leaves = keras.tree.flatten(structure)
        tensors = [leaf for leaf in leaves if leaf is not None]
        batch_size = ops.shape(tensors[0])[0]
        full = ops.greater_equal(ops.convert_to_tensor(self.count), self.size)
        use_old = ops.logical_and(full, keras.random.uniform((batch_size,), seed=seed_generator) < 0.5)
        random_slot = keras.random.randint((batch_size,), 0, self.size, seed=seed_generator)
        next_slot = ops.minimum(self.count + ops.arange(batch_size, dtype="int32"), self.size - 1)
        slots = ops.where(full, ops.cast(random_slot, "int32"), next_slot)
        keep_new = ops.logical_or(use_old, ops.logical_not(full))  # which slots receive the fake
        swapped = []
        for storage, tensor in zip(self.storage, tensors):
            old = ops.take(storage, slots, axis=0)
            mask = ops.reshape(use_old, (-1,) + (1,) * (len(tensor.shape) - 1))
            write = ops.reshape(keep_new, (-1,) + (1,) * (len(tensor.shape) - 1))
            tensor = ops.cast(tensor, storage.dtype)
            storage.assign(ops.scatter_update(storage, slots[:, None], ops.where(write, tensor, old)))
            swapped.append(ops.where(mask, old, tensor))
        self.count.assign(ops.minimum(self.count + batch_size, self.size))
        swapped = iter(swapped)
        return keras.tree.pack_sequence_as(structure, [None if leaf is None else next(swapped) for leaf in leaves])
