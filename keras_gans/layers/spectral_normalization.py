"""Spectral normalization that backpropagates through sigma(W): Miyato et al. 2018."""

from __future__ import annotations

import keras
from keras import ops

from keras_gans.errors import ConfigError

_EPSILON = 1e-12


def _l2_normalize(x):
    return x * ops.rsqrt(ops.maximum(ops.sum(ops.square(x)), _EPSILON))


@keras.saving.register_keras_serializable(package="keras_gans")
class SpectralNormalization(keras.layers.Wrapper):
    """Runs a layer with its kernel divided by the kernel's largest singular value.

    The raw kernel `W` stays the trained variable; every call computes `W_sn = W / sigma(W)` with
    `sigma(W) = v^T W_2d u`, where `W_2d` is `W` reshaped to `[-1, out_channels]` and the unit
    vectors `u`, `v` come from power iteration and are held constant for differentiation. So
    gradients flow through `sigma`, as in the paper (section 2.2), unlike
    `keras.layers.SpectralNormalization`, which assigns `W_sn` back into the kernel and thereby
    trains with sigma treated as a constant (and overwrites the raw weights).

    `u` is a non-trainable variable, advanced by `power_iterations` steps only on `training=True`
    calls; inference reuses it, so evaluating a model does not change it.

    Mechanism: the wrapped layer's own `call` runs via `layer.stateless_call`, with `W_sn` in
    place of the kernel variable. That is Keras's public way to run a layer on substitute variable
    values; it works for any layer whose `kernel` (Dense, Conv*, Conv*Transpose) or `embeddings`
    (Embedding) is a plain variable, and leaves variable tracking untouched.

    Args:
        layer: a built or unbuilt Keras layer with a `kernel` or `embeddings` variable.
        power_iterations: power-iteration steps per training call (the paper uses 1).
        **kwargs: base `Layer` arguments (name, dtype, ...).

    Example:
    ```python
    conv = SpectralNormalization(keras.layers.Conv2D(64, 4, strides=2, padding="same"))
    ```

    Reference: https://arxiv.org/abs/1802.05957
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if (
            isinstance(power_iterations, bool)
            or not isinstance(power_iterations, int)
            or power_iterations < 1
        ):
            raise ConfigError(
                f"power_iterations must be an integer >= 1, got {power_iterations!r}."
            )
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        kernel = self._kernel_variable()
        self.u = self.add_weight(
            shape=(1, kernel.shape[-1]),
            initializer=keras.initializers.RandomNormal(stddev=1.0),
            trainable=False,
            name="u",
            dtype=kernel.dtype,
        )

    def _kernel_variable(self):
        # Looked up on each use rather than stored: an attribute holding the variable would make
        # the wrapper track it a second time.
        for attribute in ("kernel", "embeddings"):
            value = getattr(self.layer, attribute, None)
            if isinstance(value, keras.Variable):
                return value
        raise ConfigError(
            f"SpectralNormalization needs a layer whose `kernel` or `embeddings` is a plain "
            f"variable; {type(self.layer).__name__} has neither (LoRA and quantized layers are "
            f"not supported)."
        )

    def normalized_kernel(self, training=False):
        """`W / sigma(W)`, advancing `u` first when `training`."""
        kernel = self._kernel_variable()
        matrix = ops.reshape(kernel, (-1, kernel.shape[-1]))
        u = _l2_normalize(ops.convert_to_tensor(self.u))
        if training:
            for _ in range(self.power_iterations):
                v = _l2_normalize(ops.matmul(u, ops.transpose(matrix)))
                u = _l2_normalize(ops.matmul(v, matrix))
            u = ops.stop_gradient(u)
            self.u.assign(u)
        # v is recomputed from the stored u in both modes, so an inference call right after a
        # training call sees exactly the sigma that training used.
        v = ops.stop_gradient(_l2_normalize(ops.matmul(u, ops.transpose(matrix))))
        sigma = ops.sum(ops.matmul(v, matrix) * u)
        return kernel / ops.maximum(sigma, _EPSILON)

    def call(self, inputs, training=None):
        kernel = self._kernel_variable()
        normalized = self.normalized_kernel(training=bool(training))

        def substitute(variables):
            return [normalized if v is kernel else v for v in variables]

        outputs, _ = self.layer.stateless_call(
            substitute(self.layer.trainable_variables),
            substitute(self.layer.non_trainable_variables),
            inputs,
        )
        return outputs

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        # keras.layers.Wrapper.from_config pops "layer" from the caller's dict; work on a copy.
        return super().from_config(dict(config), custom_objects=custom_objects)
