"""The output heads a discriminator body can end in: adversarial logit, projection, classes, codes.

A discriminator with only the adversarial head returns its logits as a tensor. With any other head
it returns a dict, the shape the trainer reads (`keras_gans.trainer.outputs`):

    {"logits": [batch, 1], "class_logits": [batch, classes], "codes": [batch, code outputs],
     "features": [batch, features]}
"""

from __future__ import annotations

import keras
from keras import layers, ops

from keras_gans.errors import ConfigError, check_choice
from keras_gans.layers import MinibatchDiscrimination
from keras_gans.networks.blocks import maybe_spectral_norm

CLASS_HEADS = ("none", "projection", "auxiliary")


@keras.saving.register_keras_serializable(package="keras_gans")
class DiscriminatorHeads(keras.layers.Layer):
    """Turns a discriminator's flat features into its outputs.

    Args:
        num_classes:        classes of the labels, for the projection and auxiliary heads.
        class_head:         "none"; "projection" adds `<embed(y), features>` to the logit (Miyato &
                            Koyama 2018), so the call takes `(features, labels)`; "auxiliary" adds
                            class logits (AC-GAN, Odena et al. 2017).
        code_outputs:       width of InfoGAN's Q head (categorical logits + continuous means); 0: none.
        minibatch_kernels:  append minibatch-discrimination statistics first (Salimans 2016); 0: off.
        return_features:    also return the features, for feature matching (Salimans 2016).
        spectral_norm:      spectrally normalize the heads' dense layers and embedding.
    """

    def __init__(self, num_classes=None, class_head="none", code_outputs=0, minibatch_kernels=0,
                 return_features=False, spectral_norm=False, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = None if num_classes is None else int(num_classes)
        self.class_head = check_choice("class_head", class_head, CLASS_HEADS, ConfigError)
        if self.class_head != "none" and not self.num_classes:
            raise ConfigError(f"class_head={class_head!r} needs num_classes (data with labels).")
        self.code_outputs = int(code_outputs)
        self.minibatch_kernels = int(minibatch_kernels)
        self.return_features = bool(return_features)
        self.spectral_norm = bool(spectral_norm)
        init = keras.initializers.RandomNormal(stddev=0.02)

        def dense(units):
            return maybe_spectral_norm(layers.Dense(units, kernel_initializer=init), self.spectral_norm)

        self.minibatch = MinibatchDiscrimination(self.minibatch_kernels) if self.minibatch_kernels else None
        self.adversarial = dense(1)
        self.classes = dense(self.num_classes) if self.class_head == "auxiliary" else None
        # InfoGAN's Q: "one final fully connected layer to output the parameters for the
        # conditional distribution Q(c|x)" after a hidden layer on D's shared body (appendix C).
        self.code_hidden = dense(128) if self.code_outputs else None
        self.codes = dense(self.code_outputs) if self.code_outputs else None

    def build(self, features_shape, labels_shape=None):
        width = int(features_shape[-1]) + self.minibatch_kernels
        self.embedding = None
        if self.class_head == "projection":
            self.embedding = maybe_spectral_norm(layers.Embedding(self.num_classes, width), self.spectral_norm)
        self.built = True

    @property
    def returns_dict(self):
        return self.class_head == "auxiliary" or bool(self.code_outputs) or self.return_features

    def call(self, features, labels=None, training=False):
        if self.minibatch is not None:
            features = self.minibatch(features)
        logits = self.adversarial(features, training=training)
        if self.embedding is not None:
            embedded = self.embedding(ops.cast(labels, "int32"), training=training)
            logits = logits + ops.sum(embedded * features, axis=-1, keepdims=True)
        if not self.returns_dict:
            return logits
        outputs = {"logits": logits}
        if self.classes is not None:
            outputs["class_logits"] = self.classes(features, training=training)
        if self.codes is not None:
            hidden = ops.leaky_relu(self.code_hidden(features, training=training), 0.2)
            outputs["codes"] = self.codes(hidden, training=training)
        if self.return_features:
            outputs["features"] = features
        return outputs

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "class_head": self.class_head,
            "code_outputs": self.code_outputs,
            "minibatch_kernels": self.minibatch_kernels,
            "return_features": self.return_features,
            "spectral_norm": self.spectral_norm,
        }
