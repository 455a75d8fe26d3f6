"""Serving exported generators: a TF Serving REST client, a local TF-Serving-compatible server
(`keras_gans.serving.server`, imports TensorFlow lazily) and a load test."""

from keras_gans.serving.client import Client, ServingClientError

__all__ = ["Client", "ServingClientError"]
