"""InfoGAN's mutual-information term: Chen et al. 2016, "InfoGAN: Interpretable Representation
Learning by Information Maximizing Generative Adversarial Nets"."""

from __future__ import annotations

from keras import ops

from keras_gans.trainer.terms.base import AuxiliaryTerm, class_cross_entropy


class MutualInformation(AuxiliaryTerm):
    """`-L_I(G, Q)`: how badly Q, a head on D's body, recovers the codes of the fakes.

    L_I is a variational lower bound of I(c; G(z, c)) (paper, eq. 4); minimizing the negative
    log-likelihood of the codes under Q maximizes it. Categorical codes: softmax cross-entropy;
    continuous codes: a Gaussian with unit variance, i.e. `0.5 (c - mu)^2` (the paper found a
    fixed variance sufficient). G and D (which trains Q) both minimize `weight * this` (lambda = 1
    for discrete codes in the paper).

    Args:
        weight:      lambda.
        categorical: values of each categorical code, e.g. (10,).
        continuous:  number of continuous codes.

    Reference: https://arxiv.org/abs/1606.03657
    """

    name = "info"

    def __init__(self, weight=1.0, categorical=(10,), continuous=2):
        super().__init__(weight)
        self.categorical = tuple(int(k) for k in categorical)
        self.continuous = int(continuous)

    def negative_log_likelihood(self, codes, predicted):
        predicted = ops.cast(predicted, "float32")
        loss, start = ops.zeros(()), 0
        for index, size in enumerate(self.categorical):
            loss = loss + class_cross_entropy(codes["categorical"][:, index], predicted[:, start:start + size])
            start += size
        if self.continuous:
            means = predicted[:, start:start + self.continuous]
            loss = loss + ops.mean(ops.sum(0.5 * ops.square(codes["continuous"] - means), axis=-1))
        return loss

    def discriminator_loss(self, step):
        return self.negative_log_likelihood(step.fake_context, step.fake_outputs["codes"])

    def generator_loss(self, step):
        return self.negative_log_likelihood(step.fake_context, step.fake_outputs["codes"])

    def get_config(self):
        return {"weight": self.weight, "categorical": list(self.categorical), "continuous": self.continuous}
